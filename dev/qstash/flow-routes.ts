/**
 * Flow-control endpoints (docs: api-reference flow-control), answering as @upstash/qstash's
 * client.flowControl expects:
 *   GET  /v2/flowControl[?search=…]             → 200 FlowControlInfo[] (names containing `search`)
 *   GET  /v2/flowControl/{key}                  → 200 FlowControlInfo | 404
 *   POST /v2/flowControl/{key}/pause|resume     → 200 (empty)
 *   POST /v2/flowControl/{key}/pin?parallelism&rate&period → 200 | 400 (period in seconds)
 *   POST /v2/flowControl/{key}/unpin?parallelism=true&rate=true → 200 | 400
 *   POST /v2/flowControl/{key}/resetRate        → 200
 *   GET  /v2/globalParallelism                  → 200 { parallelismMax, parallelismCount }
 * Acting on a key no message has used yet creates it (so a key can be paused before a burst).
 */
import type { Engine } from "./engine.ts";
import { HttpError, sendError, sendJson } from "./http-util.ts";
import type { Route } from "./message-routes.ts";

const ACTION = /^\/v2\/flowControl\/([^/]*)\/(pause|resume|pin|unpin|resetRate)$/;
const ONE = /^\/v2\/flowControl\/([^/]+)$/;

/** Refuses query parameters other than `allowed` (and the token), like every filtered endpoint. */
function only(query: URLSearchParams, allowed: string[]): void {
  for (const name of query.keys()) {
    if (name !== "qstash_token" && !allowed.includes(name))
      throw new HttpError(400, `unknown query parameter "${name}"`);
  }
}

function positive(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw new HttpError(400, `invalid ${name}: ${raw} (expected a positive integer)`);
  return Number(raw);
}

function flag(query: URLSearchParams, name: string): boolean {
  const raw = query.get(name);
  if (raw === null || raw === "false") return false;
  if (raw === "true") return true;
  throw new HttpError(400, `invalid ${name}: ${raw} (expected true or false)`);
}

export function flowRoutes(engine: Engine): Route {
  return async (req, res, url) => {
    const { pathname: path, searchParams: query } = url;
    if (req.method === "GET" && path === "/v2/globalParallelism") {
      sendJson(res, 200, engine.flow.global());
      return true;
    }
    if (req.method === "GET" && path === "/v2/flowControl") {
      only(query, ["search"]);
      sendJson(res, 200, engine.flow.list(query.get("search") ?? undefined));
      return true;
    }
    const one = ONE.exec(path);
    if (req.method === "GET" && one) {
      only(query, []);
      const info = engine.flow.get(decodeURIComponent(one[1]));
      if (!info) sendError(res, 404, "flow control key not found");
      else sendJson(res, 200, info);
      return true;
    }
    const action = ACTION.exec(path);
    if (req.method !== "POST" || !action) return false;
    const key = decodeURIComponent(action[1]);
    if (!key) throw new HttpError(400, "flow control key is required");
    switch (action[2]) {
      case "pin": {
        only(query, ["parallelism", "rate", "period"]);
        const pin = {
          parallelism: positive(query, "parallelism"),
          rate: positive(query, "rate"),
          periodSec: positive(query, "period"),
        };
        if (pin.parallelism === undefined && pin.rate === undefined)
          throw new HttpError(400, "pin needs parallelism or rate");
        if (pin.periodSec !== undefined && pin.rate === undefined)
          throw new HttpError(400, "period is the pinned rate's period: give rate too");
        engine.flow.pin(key, pin);
        break;
      }
      case "unpin":
        only(query, ["parallelism", "rate"]);
        engine.flow.unpin(key, {
          parallelism: flag(query, "parallelism"),
          rate: flag(query, "rate"),
        });
        break;
      default:
        only(query, []);
        engine.flow[action[2] as "pause" | "resume" | "resetRate"](key);
    }
    res.writeHead(200).end();
    return true;
  };
}
