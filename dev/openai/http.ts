import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ErrorAnswer } from "./faults.ts";

/** Request bodies larger than this are refused (413): nothing the app sends comes close. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** Headers on every answer: the simulator label, and a request id like OpenAI's (the SDK exposes it as `_request_id`). */
export function stampHeaders(res: ServerResponse): void {
  res.setHeader("x-tabsafe-simulator", "1");
  res.setHeader("x-request-id", `req_sim_${randomBytes(12).toString("hex")}`);
  res.setHeader("openai-organization", "tabsafe-simulator");
}

export type Body =
  | { kind: "none" }
  | { kind: "json"; value: unknown }
  | { kind: "invalid" }
  | { kind: "too_large" };

/** Reads and parses the whole body; never throws on a bad one (that is the caller's 400). */
export async function readBody(req: IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return { kind: "too_large" };
    chunks.push(chunk as Buffer);
  }
  if (!size) return { kind: "none" };
  try {
    return { kind: "json", value: JSON.parse(Buffer.concat(chunks).toString("utf8")) };
  } catch {
    return { kind: "invalid" };
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  res
    .writeHead(status, { "content-type": "application/json", ...headers })
    .end(JSON.stringify(body));
}

export function sendError(res: ServerResponse, answer: ErrorAnswer): void {
  sendJson(res, answer.status, answer.body, answer.headers);
}
