import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { errorFor, pickFault } from "./faults.ts";
import { estimateTokens, hashOf, prose, rngFor } from "./generate.ts";
import { writeAnswer } from "./respond.ts";
import { instanceOf } from "./schema-instance.ts";
import type { Plan, SimulatorCall, SimulatorKnobs } from "./types.ts";
import { parseChatRequest, parseResponsesRequest } from "./wire.ts";

export type { SimulatorCall, SimulatorKnobs } from "./types.ts";
export type OpenAISimulator = { url: string; port: number; calls(): SimulatorCall[]; resetCalls(): void; setKnobs(k: SimulatorKnobs): void; stop(): Promise<void> };

/**
 * An OpenAI-compatible simulator for local development and tests — NOT a model. Answers are
 * deterministic, derived from the input, schema-valid for structured outputs and labelled
 * "[simulated]"; every response carries `x-tabsafe-simulator: 1`. Knobs set latency and faults.
 */
export async function startOpenAISimulator(opts: { port?: number; host?: string; apiKey?: string; knobs?: SimulatorKnobs; log?: (l: string) => void }): Promise<OpenAISimulator> {
  let knobs: SimulatorKnobs = { ...opts.knobs };
  let calls: SimulatorCall[] = [];
  const server = createServer((req, res) => {
    res.setHeader("x-tabsafe-simulator", "1");
    handle(req, res).catch((e) => send(res, 500, { error: { message: `[simulated] simulator failure: ${e}`, type: "server_error", code: null, param: null } }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = new URL(req.url ?? "/", "http://x").pathname.replace(/\/+$/, "");
    const body = await readJson(req);
    if (path.startsWith("/__admin/")) return admin(path, req.method ?? "GET", body, res);
    if (opts.apiKey && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      return send(res, 401, { error: { message: "[simulated] Incorrect API key provided.", type: "invalid_request_error", code: "invalid_api_key", param: null } });
    }
    if (req.method === "GET" && path === "/v1/models") {
      return send(res, 200, { object: "list", data: [{ id: "gpt-5-mini", object: "model", created: 0, owned_by: "tabsafe-simulator" }, { id: "gpt-4.1-mini", object: "model", created: 0, owned_by: "tabsafe-simulator" }] });
    }
    const parse = path === "/v1/responses" ? parseResponsesRequest : path === "/v1/chat/completions" ? parseChatRequest : null;
    if (!parse || req.method !== "POST") return send(res, 404, { error: { message: `[simulated] Unknown route ${req.method} ${path}`, type: "invalid_request_error", code: "unknown_url", param: null } });
    if (body === undefined || body === null || typeof body !== "object") return send(res, 400, { error: { message: "[simulated] We could not parse the JSON body of your request.", type: "invalid_request_error", code: null, param: null } });
    const plan = parse(body as Record<string, unknown>);
    if (typeof plan === "string") return send(res, 400, { error: { message: `[simulated] ${plan}`, type: "invalid_request_error", code: null, param: null } });
    await answer(plan, req, res);
  }

  async function answer(plan: Plan, req: IncomingMessage, res: ServerResponse) {
    const id = `${plan.endpoint === "responses" ? "resp_" : "chatcmpl-"}${randomBytes(12).toString("hex")}`;
    const fault = pickFault(knobs, plan.schema !== null) ?? undefined;
    const inputTokens = estimateTokens(plan.input);
    const call: SimulatorCall = { id, endpoint: plan.endpoint, model: plan.model, stream: plan.stream, structured: plan.schema !== null, inputHash: hashOf(plan.input), inputTokens, outputTokens: 0, status: 200, outcome: "ok", fault, startedAt: Date.now(), metadata: plan.metadata };
    calls.push(call);
    const failure = fault ? errorFor(fault, knobs) : null;
    if (failure) {
      Object.assign(call, { status: failure.status, outcome: "error", inputTokens: 0, endedAt: Date.now() });
      return send(res, failure.status, failure.body, failure.headers);
    }
    const rng = rngFor(`${plan.model}\n${plan.formatName}\n${plan.input}`);
    let text = plan.schema ? JSON.stringify(instanceOf(plan.schema, plan.input, rng)) : prose(plan.input, Math.min(400, Math.max(40, Math.round(inputTokens / 4))), rng);
    if (fault === "invalid_json") text = text.slice(0, Math.floor(text.length / 2));
    call.outputTokens = estimateTokens(text);
    let closed = false;
    res.on("close", () => (closed = !res.writableFinished));
    req.on("aborted", () => (closed = true));
    const ending = await writeAnswer(res, plan, id, text, { input: inputTokens, output: call.outputTokens }, {
      firstTokenMs: knobs.firstTokenMs ?? 0, msPerToken: knobs.latencyMsPerToken ?? 2, stall: fault === "stall", closed: () => closed,
    });
    Object.assign(call, { outcome: ending, endedAt: Date.now() });
  }

  function admin(path: string, method: string, body: unknown, res: ServerResponse) {
    if (path === "/__admin/calls" && method === "GET") return send(res, 200, { calls });
    if (path === "/__admin/knobs" && method === "POST") {
      knobs = { ...(body as SimulatorKnobs) };
      return send(res, 200, { knobs });
    }
    if (path === "/__admin/reset" && method === "POST") {
      calls = [];
      return send(res, 200, { reset: true });
    }
    return send(res, 404, { error: { message: "unknown admin route" } });
  }

  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(opts.port ?? 0, opts.host ?? "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://${opts.host ?? "127.0.0.1"}:${port}/v1`;
  opts.log?.(`openai simulator on ${url}`);
  let stopped: Promise<void> | null = null;
  return {
    url,
    port,
    calls: () => calls.map((c) => ({ ...c })),
    resetCalls: () => void (calls = []),
    setKnobs: (k) => void (knobs = { ...k, failNext: k.failNext?.map((f) => ({ ...f })) }),
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return stopped;
    },
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  if (!chunks.length) return null;
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  if (res.headersSent) return;
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
}
