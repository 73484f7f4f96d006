import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { answerRequest, type Simulation } from "./answer.ts";
import { apiError, type ErrorAnswer } from "./faults.ts";
import { admin, type Admin } from "./admin.ts";
import { readBody, sendError, sendJson } from "./http.ts";
import { parseChatRequest, parseResponsesRequest } from "./requests.ts";
import { answerStored, isBackgroundRoute, storedRoute } from "./stored-routes.ts";
import type { Endpoint, Plan } from "./types.ts";

/** Model ids listed by GET /v1/models; any other id is answered too. */
const MODELS = ["gpt-5-mini", "gpt-5", "gpt-4.1-mini", "gpt-4o-mini"];
const model = (id: string) => ({
  id,
  object: "model",
  created: 1_735_689_600,
  owned_by: "tabsafe-simulator",
});

export type RouteContext = { sim: Simulation; apiKey?: string; admin: Admin };

const ENDPOINTS: Record<
  string,
  { endpoint: Endpoint; parse: (body: Record<string, unknown>) => Plan | ErrorAnswer }
> = {
  "/v1/responses": { endpoint: "responses", parse: parseResponsesRequest },
  "/v1/chat/completions": { endpoint: "chat.completions", parse: parseChatRequest },
};

/**
 * One HTTP request: admin routes (no key; tests and people poke at them), then OpenAI's routes in
 * the order OpenAI checks them: URL, API key, body, parameters — then the answer.
 */
export async function route(
  ctx: RouteContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://simulator");
  const path = url.pathname.replace(/\/+$/, "") || "/";
  const method = req.method ?? "GET";
  const body = await readBody(req);
  if (path.startsWith("/__admin/"))
    return admin(
      ctx.admin,
      `${method} ${path}`,
      body.kind === "json" ? body.value : undefined,
      res,
    );

  const target = method === "POST" ? ENDPOINTS[path] : undefined;
  const stored = storedRoute(method, path, url.searchParams);
  // Without background mode, stream-retrieve and cancel are URLs nobody serves.
  const refusesBackground = ctx.sim.knobs.backgroundMode === "refused";
  const known =
    target ||
    (stored && !(refusesBackground && isBackgroundRoute(stored))) ||
    (method === "GET" && (path === "/v1/models" || path.startsWith("/v1/models/")));
  if (!known)
    return sendError(
      res,
      apiError(
        404,
        `Invalid URL (${method} ${path}). This simulator speaks /v1/responses (and /v1/responses/{id}), /v1/chat/completions and /v1/models.`,
        "invalid_request_error",
      ),
    );

  // Refused model requests are logged too: a test can see that the app sent a bad one.
  const refuse = (answer: ErrorAnswer) => {
    if (target) {
      const json =
        body.kind === "json" && typeof body.value === "object" && body.value
          ? (body.value as Record<string, unknown>)
          : {};
      const now = Date.now();
      ctx.sim.record({
        id: `refused_${randomBytes(6).toString("hex")}`,
        endpoint: target.endpoint,
        model: typeof json.model === "string" ? json.model : "",
        stream: json.stream === true,
        structured: false,
        inputHash: "",
        inputTokens: 0,
        outputTokens: 0,
        status: answer.status,
        outcome: "error",
        startedAt: now,
        endedAt: now,
        background: json.background === true,
        streams: 0,
        retrievals: 0,
        // So a test can tell whose request was refused (the app sends job_id and step).
        ...(isStringMap(json.metadata) ? { metadata: json.metadata } : {}),
      });
    }
    ctx.sim.log?.(
      `openai-sim refused ${method} ${path} → ${answer.status}: ${answer.body.error.message}`,
    );
    sendError(res, answer);
  };

  if (ctx.apiKey && req.headers.authorization !== `Bearer ${ctx.apiKey}`) {
    // OpenAI names the key it got (masked); the simulator echoes it whole — the worst case, so
    // that the app's redaction of secrets in provider errors is tested against it.
    const given = (req.headers.authorization ?? "").replace(/^Bearer\s+/i, "");
    return refuse(
      apiError(
        401,
        `Incorrect API key provided: ${given}. This is the local OpenAI simulator: use the OPENAI_API_KEY it was started with.`,
        "invalid_request_error",
        "invalid_api_key",
      ),
    );
  }
  if (stored) return answerStored(ctx.sim, stored, res);
  if (!target) {
    const id = path.slice("/v1/models/".length);
    return sendJson(
      res,
      200,
      path === "/v1/models"
        ? { object: "list", data: MODELS.map(model) }
        : model(decodeURIComponent(id)),
    );
  }
  if (body.kind === "too_large")
    return refuse(apiError(413, "Request body too large.", "invalid_request_error"));
  if (
    body.kind !== "json" ||
    typeof body.value !== "object" ||
    body.value === null ||
    Array.isArray(body.value)
  ) {
    return refuse(
      apiError(
        400,
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)",
        "invalid_request_error",
      ),
    );
  }
  if (
    target.endpoint === "responses" &&
    refusesBackground &&
    (body.value as Record<string, unknown>).background !== undefined
  ) {
    // A provider or proxy that does not know the parameter refuses it whatever its value (Azure's words).
    return refuse(
      apiError(400, "Unrecognized request argument supplied: background", "invalid_request_error"),
    );
  }
  const plan = target.parse(body.value as Record<string, unknown>);
  if ("status" in plan) return refuse(plan);
  await answerRequest(ctx.sim, plan, req, res);
}

const isStringMap = (v: unknown): v is Record<string, string> =>
  typeof v === "object" &&
  v !== null &&
  !Array.isArray(v) &&
  Object.values(v).every((x) => typeof x === "string");
