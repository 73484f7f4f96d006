/**
 * DLQ and log endpoints, in the shapes @upstash/qstash's DLQ class and client.logs() parse
 * (docs: api-reference dlq):
 *   GET    /v2/dlq[?filters&cursor&count]  → 200 { messages: DlqMessage[], cursor? }
 *   GET    /v2/dlq/{dlqId}                 → 200 DlqMessage | 404
 *   DELETE /v2/dlq/{dlqId}                 → 200 (empty) | 404
 *   DELETE /v2/dlq?dlqIds=…|filters        → 200 { deleted, cursor? }
 *   POST   /v2/dlq/retry/{dlqId}           → 201 { messageId }       (a new message; the entry leaves the DLQ)
 *   POST   /v2/dlq/retry?dlqIds=…|filters  → 201 { responses: [{ messageId }], cursor? }
 *   GET    /v2/logs, /v2/events            → 200 { events, cursor? }
 * A retry request's Upstash-* headers override the original message's settings, as in QStash.
 * Filters are checked first (filters.ts): an unknown one is a 400 and selects nothing.
 */
import type { IncomingMessage } from "node:http";
import type { Engine } from "./engine.ts";
import { parseFilter } from "./filters.ts";
import { lowerHeaders } from "./headers.ts";
import { HttpError, sendError, sendJson } from "./http-util.ts";
import type { Route } from "./message-routes.ts";
import { republish } from "./publish.ts";
import type { DlqEntry } from "./types.ts";
import { dlqView } from "./views.ts";

export function dlqRoutes(engine: Engine): Route {
  return async (req, res, url) => {
    const path = url.pathname;
    const query = url.searchParams;
    if (req.method === "GET" && (path === "/v2/logs" || path === "/v2/events")) {
      sendJson(res, 200, engine.events.page(parseFilter(query, "logs")));
      return true;
    }
    if (path === "/v2/dlq" && req.method === "GET") {
      const page = engine.dlq.page(parseFilter(query, "dlq"));
      sendJson(res, 200, {
        messages: page.entries.map(dlqView),
        ...(page.cursor ? { cursor: page.cursor } : {}),
      });
      return true;
    }
    if (path === "/v2/dlq" && req.method === "DELETE") {
      const page = engine.dlq.page(parseFilter(query, "dlq"));
      const deleted = await engine.deleteDlq(page.entries.map((e) => e.dlqId));
      sendJson(res, 200, { deleted, ...(page.cursor ? { cursor: page.cursor } : {}) });
      return true;
    }
    if (path === "/v2/dlq/retry" && req.method === "POST") {
      const page = engine.dlq.page(parseFilter(query, "dlq"));
      const responses = await retryAll(page.entries, req, engine);
      sendJson(res, 201, { responses, ...(page.cursor ? { cursor: page.cursor } : {}) });
      return true;
    }
    const retryOne = /^\/v2\/dlq\/retry\/([^/]+)$/.exec(path);
    if (retryOne && req.method === "POST") {
      const entry = engine.dlq.get(decodeURIComponent(retryOne[1]));
      if (!entry) sendError(res, 404, "message not found in the DLQ");
      else sendJson(res, 201, (await retryAll([entry], req, engine))[0]);
      return true;
    }
    const one = /^\/v2\/dlq\/([^/]+)$/.exec(path);
    if (one && (req.method === "GET" || req.method === "DELETE")) {
      const id = decodeURIComponent(one[1]);
      const entry = engine.dlq.get(id);
      if (!entry) sendError(res, 404, "message not found in the DLQ");
      else if (req.method === "GET") sendJson(res, 200, dlqView(entry));
      else {
        await engine.deleteDlq([id]);
        res.writeHead(200).end();
      }
      return true;
    }
    return false;
  };
}

/** Republishes each entry as a new message (fresh id, retried 0), then removes it from the DLQ. */
async function retryAll(
  entries: DlqEntry[],
  req: IncomingMessage,
  engine: Engine,
): Promise<Array<{ messageId: string }>> {
  const headers = lowerHeaders(req.headers);
  const parsed = entries.map((e) => republish(e.message, headers, engine.context()));
  const bad = parsed.find((p) => !p.ok);
  if (bad && !bad.ok) throw new HttpError(400, bad.error);
  const responses: Array<{ messageId: string }> = [];
  for (const p of parsed) {
    if (!p.ok) continue;
    responses.push({ messageId: (await engine.publish(p.message)).messageId });
  }
  await engine.deleteDlq(entries.map((e) => e.dlqId));
  return responses;
}
