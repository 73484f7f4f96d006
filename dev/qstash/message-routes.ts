/**
 * Publishing and message endpoints, answering as QStash does:
 *   POST   /v2/publish/{destination}  → 200 { messageId, url }; a duplicate → 202 { messageId, url, deduplicated: true }
 *   POST   /v2/batch                  → 200 [ { messageId, url, deduplicated? }, … ]
 *   GET    /v2/messages/{id}          → 200 Message | 404 (only pending messages exist, as in QStash)
 *   DELETE /v2/messages/{id}          → 200 { cancelled: 1 } | 404
 *   DELETE /v2/messages?messageIds=…|filters → 200 { cancelled: n } (no filter: every pending message)
 * A bulk cancel takes every match in one call: QStash ignores `count` there now (SDK 2.12
 * deprecates it as "Ignored by the server" yet still sends count=100 by default), so honouring
 * it would leave messages pending that QStash cancels. An unknown filter is a 400 (filters.ts).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Engine } from "./engine.ts";
import { lowerHeaders } from "./headers.ts";
import { callerIp, HttpError, readBody, readJson, sendError, sendJson } from "./http-util.ts";
import { parsePublish, type Parsed } from "./publish.ts";
import { messageFacts, parseFilter } from "./filters.ts";
import { messageView } from "./views.ts";

export type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

const PUBLISH = "/v2/publish/";

export function messageRoutes(engine: Engine): Route {
  return async (req, res, url) => {
    const path = url.pathname;
    if (req.method === "POST" && path.startsWith(PUBLISH)) {
      // The SDK puts the destination URL unencoded in the path, query string included.
      const raw = req.url ?? "";
      const destination = raw.slice(raw.indexOf(PUBLISH) + PUBLISH.length);
      const parsed = parsePublish(
        {
          destination,
          headers: lowerHeaders(req.headers),
          body: await readBody(req),
          callerIp: callerIp(req),
        },
        engine.context(),
      );
      const [answer] = await publishAll([parsed], engine);
      sendJson(res, answer.deduplicated ? 202 : 200, answer);
      return true;
    }
    if (req.method === "POST" && path === "/v2/batch") {
      const items = await readJson(req);
      if (!Array.isArray(items))
        throw new HttpError(
          400,
          "batch body must be a JSON array of { destination, headers, body }",
        );
      const parsed = items.map((item: unknown) => parseBatchItem(item, req, engine));
      sendJson(res, 200, await publishAll(parsed, engine));
      return true;
    }
    const single = /^\/v2\/messages\/([^/]+)$/.exec(path);
    if (single && req.method === "GET") {
      const message = engine.get(decodeURIComponent(single[1]));
      if (!message) sendError(res, 404, "message not found");
      else sendJson(res, 200, messageView(message));
      return true;
    }
    if (single && req.method === "DELETE") {
      const id = decodeURIComponent(single[1]);
      const cancelled = await engine.cancel((m) => m.messageId === id);
      if (!cancelled) sendError(res, 404, "message not found");
      else sendJson(res, 200, { cancelled });
      return true;
    }
    if (path === "/v2/messages" && req.method === "DELETE") {
      const filter = parseFilter(url.searchParams, "messages");
      const ids = filter.values("messageIds");
      const cancelled = await engine.cancel((m) =>
        ids.length ? ids.includes(m.messageId) : filter.matches(messageFacts(m), m.createdAt),
      );
      sendJson(res, 200, { cancelled });
      return true;
    }
    return false;
  };
}

function parseBatchItem(item: unknown, req: IncomingMessage, engine: Engine): Parsed {
  const entry = (item ?? {}) as {
    destination?: unknown;
    headers?: unknown;
    body?: unknown;
    queue?: unknown;
  };
  if (typeof entry.destination !== "string")
    return { ok: false, error: "every batch entry needs a destination" };
  if (entry.queue !== undefined)
    return { ok: false, error: "queues are not supported by the local QStash stand-in" };
  const headers = lowerHeaders((entry.headers ?? {}) as Record<string, string>);
  const body = Buffer.from(
    typeof entry.body === "string"
      ? entry.body
      : entry.body === undefined
        ? ""
        : JSON.stringify(entry.body),
  );
  return parsePublish(
    { destination: entry.destination, headers, body, callerIp: callerIp(req) },
    engine.context(),
  );
}

/** All or nothing: any invalid entry rejects the request before anything is published. */
async function publishAll(
  parsed: Parsed[],
  engine: Engine,
): Promise<Array<{ messageId: string; url: string; deduplicated?: true }>> {
  const invalid = parsed.findIndex((p) => !p.ok);
  if (invalid >= 0) {
    const error = (parsed[invalid] as { error: string }).error;
    throw new HttpError(400, parsed.length > 1 ? `batch entry ${invalid}: ${error}` : error);
  }
  const answers = [];
  for (const p of parsed) {
    if (!p.ok) continue;
    const { messageId, deduplicated } = await engine.publish(p.message, p.dedupKey);
    answers.push({
      messageId,
      url: p.message.url,
      ...(deduplicated ? { deduplicated: true as const } : {}),
    });
  }
  return answers;
}
