import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Backend, CommandResult } from "./backend.ts";

export type RestStats = { requests: number; commands: number };

/**
 * The Upstash Redis REST protocol over a Backend:
 *   POST /            ["SET","k","v"]          → {"result": …} | 400 {"error": …}
 *   POST /pipeline    [["SET",…],["GET",…]]    → [{"result"}|{"error"}, …]   (not atomic)
 *   POST /multi-exec  same                      → same, atomic; 400 {"error"} if discarded whole
 *   GET|POST /set/k/v                           → path-style single command
 * Bearer token (or ?_token=) on every request, else 401. With `Upstash-Encoding: base64` every
 * string in a result is base64 — except a top-level "OK", exactly as @upstash/redis decodes.
 */
export function createRestServer(backend: Backend, token: string): { server: Server; stats: () => RestStats } {
  const stats: RestStats = { requests: 0, commands: 0 };
  let syncToken = 0;
  const server = createServer((req, res) => {
    stats.requests++;
    handle(req, res).catch((e) => send(res, 500, { error: `ERR stand-in failure: ${e instanceof Error ? e.message : e}` }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (!["GET", "POST", "PUT", "HEAD"].includes(req.method ?? "")) return send(res, 405, { error: "Method not allowed" });
    const auth = req.headers.authorization ?? "";
    const given = auth.startsWith("Bearer ") ? auth.slice(7) : url.searchParams.get("_token");
    if (given !== token) return send(res, 401, { error: "Unauthorized" });
    const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    res.setHeader("upstash-sync-token", String(++syncToken));
    const raw = await readBody(req);
    const path = url.pathname.replace(/\/+$/, "");

    if (path === "/pipeline" || path === "/multi-exec") {
      const commands = parseMany(raw);
      if (typeof commands === "string") return send(res, 400, { error: commands });
      stats.commands += commands.length;
      const results = path === "/pipeline" ? await backend.pipeline(commands) : await backend.multi(commands);
      if (!Array.isArray(results)) return send(res, 400, results);
      return send(res, 200, results.map((r) => encodeResult(r, base64)));
    }
    const command = path === "" ? parseOne(raw) : [...path.slice(1).split("/").map(decodeURIComponent), ...(raw ? [raw] : [])];
    if (typeof command === "string") return send(res, 400, { error: command });
    stats.commands++;
    const result = await backend.exec(command);
    return send(res, "error" in result ? 400 : 200, encodeResult(result, base64));
  }

  return { server, stats: () => ({ ...stats }) };
}

/** A command is a non-empty array of strings and numbers; a pipeline, a non-empty array of those. */
const isCommand = (c: unknown): c is Array<string | number | boolean> =>
  Array.isArray(c) && c.length > 0 && c.every((a) => typeof a === "string" || typeof a === "number" || typeof a === "boolean");

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function parseOne(raw: string): string[] | string {
  const data = parseJson(raw);
  return isCommand(data) ? data.map(String) : "ERR failed to parse command: send a non-empty JSON array";
}

function parseMany(raw: string): string[][] | string {
  const data = parseJson(raw);
  if (!Array.isArray(data) || data.length === 0 || !data.every(isCommand)) return "ERR failed to parse pipeline: send a non-empty array of commands";
  return data.map((c) => c.map(String));
}

function encodeResult(r: CommandResult, base64: boolean): CommandResult {
  return "error" in r ? { error: r.error } : { result: encode(r.result, base64, true) };
}

function encode(value: unknown, base64: boolean, top: boolean): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) return value.map((v) => encode(v, base64, false));
  if (value instanceof Error) return value.message;
  // ioredis and ioredis-mock turn HGETALL's reply into an object; the wire format is a flat array.
  if (typeof value === "object" && !Buffer.isBuffer(value)) return Object.entries(value).flatMap(([k, v]) => [encode(k, base64, false), encode(v, base64, false)]);
  const buf = Buffer.isBuffer(value) ? value : Buffer.from(String(value), "utf8");
  if (!base64) return buf.toString("utf8");
  return top && buf.toString("latin1") === "OK" ? "OK" : buf.toString("base64");
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function send(res: ServerResponse, status: number, body: unknown) {
  if (res.headersSent) return;
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
