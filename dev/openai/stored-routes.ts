import type { ServerResponse } from "node:http";
import type { Simulation } from "./answer.ts";
import { apiError } from "./faults.ts";
import { sendError, sendJson } from "./http.ts";

/**
 * The routes of stored responses, after the API key was checked:
 *   GET    /v1/responses/{id}                               → the Response as it is now
 *   GET    /v1/responses/{id}?stream=true&starting_after=N  → its events after N, then live ones
 *   POST   /v1/responses/{id}/cancel                        → stop a background response
 *   DELETE /v1/responses/{id}                               → forget it
 * Only background responses can be streamed again or cancelled, as at OpenAI.
 */
export type StoredRoute = { method: string; id: string; cancel: boolean; query: URLSearchParams };

/** Matches /v1/responses/{id} and /v1/responses/{id}/cancel (not /v1/responses/compact and the like). */
export function storedRoute(method: string, path: string, query: URLSearchParams) {
  const m = /^\/v1\/responses\/([^/]+)(\/cancel)?$/.exec(path);
  if (!m) return null;
  const cancel = m[2] !== undefined;
  if (cancel ? method !== "POST" : method !== "GET" && method !== "DELETE") return null;
  let id: string;
  try {
    id = decodeURIComponent(m[1]);
  } catch {
    id = m[1];
  }
  return { method, id, cancel, query } satisfies StoredRoute;
}

/** A route a provider without background mode would not know: stream-retrieve and cancel. */
export const isBackgroundRoute = (r: StoredRoute) =>
  r.cancel || (r.method === "GET" && r.query.get("stream") === "true");

export function answerStored(sim: Simulation, r: StoredRoute, res: ServerResponse): void {
  const stored = sim.store.get(r.id);
  if (!stored)
    return sendError(
      res,
      apiError(404, `Response with id '${r.id}' not found.`, "invalid_request_error"),
    );
  if (r.cancel) {
    if (!stored.gen)
      return sendError(
        res,
        apiError(
          400,
          "Only responses created with background=true can be cancelled.",
          "invalid_request_error",
        ),
      );
    return sendJson(res, 200, sim.store.cancel(stored));
  }
  if (r.method === "DELETE") {
    sim.store.delete(stored);
    return sendJson(res, 200, { id: r.id, object: "response", deleted: true });
  }
  stored.call.retrievals++;
  if (r.query.get("stream") !== "true") return sendJson(res, 200, sim.store.current(stored));
  if (!stored.gen)
    return sendError(
      res,
      apiError(
        400,
        "This response cannot be streamed because it was not created with background=true.",
        "invalid_request_error",
        null,
        "stream",
      ),
    );
  const after = r.query.get("starting_after");
  if (after !== null && !/^-?\d+$/.test(after))
    return sendError(
      res,
      apiError(
        400,
        "Invalid type for 'starting_after': expected an integer.",
        "invalid_request_error",
        "invalid_type",
        "starting_after",
      ),
    );
  sim.store.listen(stored, res, after === null ? -1 : Number(after));
}
