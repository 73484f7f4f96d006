import "server-only";
import { AppError, type ErrorBody } from "@/lib/errors";
import { isRedisUnreachable, isStoreFull, isUnreachable } from "@/lib/redis/unreachable";
import { reportUnexpected } from "@/lib/telemetry/error-record";
import { log } from "@/lib/telemetry/log";

/** A JSON response; `init.headers` are merged over the JSON content type. */
export function json(body: unknown, status = 200, headers: HeadersInit = {}): Response {
  return Response.json(body, { status, headers });
}

/** How soon a browser should try again after a 503 for an unreachable service, in s. */
const UNAVAILABLE_RETRY_S = 5;

/**
 * A service tabsafe depends on could not be reached at all (refused, DNS, reset), or Redis refuses
 * writes because it is full: not our bug and not the client's, so a 503 the client can wait out —
 * the job it follows is safe in Redis and QStash keeps delivering; a script refused for OOM wrote
 * nothing (Redis runs a script's writes all or none). Null when `error` is something else.
 */
export function unavailable(error: unknown): AppError | null {
  if (isStoreFull(error)) {
    return new AppError(
      "unavailable:store_full",
      "tabsafe's storage is full right now, so nothing new can be saved. Nothing was changed; please try again later.",
      { "retry-after": "60" },
    );
  }
  if (!isUnreachable(error)) return null;
  const message = isRedisUnreachable(error)
    ? "tabsafe cannot reach its storage right now. Your analysis is safe; this page reconnects by itself."
    : "A service tabsafe depends on is unreachable right now. Your analysis is safe; please try again in a moment.";
  return new AppError(
    isRedisUnreachable(error) ? "unavailable:store" : "unavailable:service",
    message,
    { "retry-after": String(UNAVAILABLE_RETRY_S) },
  );
}

export function errorResponse(error: unknown): Response {
  if (error instanceof AppError) return json(error.toJSON(), error.status, error.headers);
  const down = unavailable(error);
  if (down) return json(down.toJSON(), down.status, down.headers);
  const body: ErrorBody = {
    error: {
      code: "internal:server",
      message: "Something went wrong on our side. Please try again.",
    },
  };
  return json(body, 500);
}

/** Wraps a route handler so every thrown AppError becomes its JSON answer. */
export function route<Args extends unknown[]>(handler: (...args: Args) => Promise<Response>) {
  return async (...args: Args): Promise<Response> => {
    try {
      return await handler(...args);
    } catch (error) {
      // An infrastructure fault: the sanitized detail goes to the log and its error group
      // (best effort: Redis may be what failed), never to the client.
      const where = args[0] instanceof Request ? `route:${new URL(args[0].url).pathname}` : "route";
      // Storage down: recording the error would only wait for the same outage; the log has it.
      if (unavailable(error))
        log("warn", "service_unreachable", {
          where,
          error: error instanceof Error ? String(error.cause ?? error.message) : String(error),
        });
      else if (!(error instanceof AppError)) await reportUnexpected(error, where);
      return errorResponse(error);
    }
  };
}
