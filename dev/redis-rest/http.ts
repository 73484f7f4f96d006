import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Backend } from "./backend.ts";
import { encodeResult, parseCommand, parseCommands, type Parsed } from "./wire.ts";

export type RestStats = { requests: number; commands: number };

/** Far above what Upstash accepts; only here so a runaway client cannot exhaust memory. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

/**
 * The Upstash Redis REST protocol over a Backend:
 *   POST /            ["SET","k","v"]          → {"result": …} | 400 {"error": …}
 *   POST /pipeline    [["SET",…],["GET",…]]    → [{"result"}|{"error"}, …]   (not atomic)
 *   POST /multi-exec  same                      → same, atomic; 400 {"error"} if discarded whole
 *   GET|POST /set/k/v?EX=100                    → path style: segments, then the body (if any)
 *                                                  as the next argument, then query pairs
 * `Authorization: Bearer <token>` (or `?_token=`) on every request, else 401; only HEAD, GET,
 * POST and PUT, else 405. The answer carries an `upstash-sync-token`, which the SDK echoes back
 * for read-your-writes; one server is always consistent with itself, so it is only a counter.
 * `Upstash-Telemetry-*` headers are ignored. @upstash/redis auto-pipelines by default (commands
 * issued in the same tick go out as one /pipeline request), so /pipeline is the busiest route.
 */
export function createRestServer(
  backend: Backend,
  token: string,
): { server: Server; stats: () => RestStats } {
  const stats: RestStats = { requests: 0, commands: 0 };
  let syncToken = 0;

  const server = createServer((req, res) => {
    stats.requests++;
    handle(req, res).catch((e) =>
      send(res, 500, { error: `ERR stand-in failure: ${e instanceof Error ? e.message : e}` }),
    );
  });
  // A malformed request line or a reset socket must not reach the process's error handler.
  server.on("clientError", (_e, socket) => socket.destroy());

  async function handle(req: IncomingMessage, res: ServerResponse) {
    // Concatenated, not resolved against a base: a path such as "//x" would read as a host.
    const url = URL.parse(
      `http://localhost${req.url?.startsWith("/") ? req.url : `/${req.url ?? ""}`}`,
    );
    if (!url) return send(res, 400, { error: "ERR malformed request URL" });
    if (!["HEAD", "GET", "POST", "PUT"].includes(req.method ?? ""))
      return send(res, 405, { error: "Method Not Allowed" });
    const auth = req.headers.authorization ?? "";
    const given = /^bearer /i.test(auth) ? auth.slice(7).trim() : url.searchParams.get("_token");
    if (given !== token) return send(res, 401, { error: "Unauthorized" });
    const body = await readBody(req);
    if (body === null)
      return send(res, 413, { error: `ERR request body over ${MAX_BODY_BYTES} bytes` });
    const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    res.setHeader("upstash-sync-token", String(++syncToken));
    const path = url.pathname.replace(/\/+$/, "");

    if (path === "/pipeline" || path === "/multi-exec") {
      const commands = parseCommands(body);
      if (!commands.ok) return send(res, 400, { error: commands.error });
      stats.commands += commands.value.length;
      const results =
        path === "/pipeline"
          ? await backend.pipeline(commands.value)
          : await backend.multi(commands.value);
      if (!Array.isArray(results)) return send(res, 400, results);
      return send(
        res,
        200,
        results.map((r) => encodeResult(r, base64)),
      );
    }
    const command = path === "" ? parseCommand(body) : pathCommand(path, body, url.searchParams);
    if (!command.ok) return send(res, 400, { error: command.error });
    stats.commands++;
    const result = await backend.exec(command.value);
    return send(res, "error" in result ? 400 : 200, encodeResult(result, base64));
  }

  return { server, stats: () => ({ ...stats }) };
}

/** `/set/foo` with body `bar` and `?EX=100` → SET foo bar EX 100 (Upstash's path style). */
function pathCommand(path: string, body: string, query: URLSearchParams): Parsed<string[]> {
  try {
    const args = path.slice(1).split("/").map(decodeURIComponent);
    if (body !== "") args.push(body);
    for (const [key, value] of query)
      if (key !== "_token") args.push(...(value === "" ? [key] : [key, value]));
    return { ok: true, value: args };
  } catch {
    return { ok: false, error: "ERR malformed percent-encoding in the request path" };
  }
}

/** The raw body as UTF-8 text, or null when it is larger than MAX_BODY_BYTES. */
async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function send(res: ServerResponse, status: number, body: unknown) {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
