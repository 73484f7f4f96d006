import "server-only";
import { AppError } from "@/lib/errors";
import { errorResponse, unavailable } from "@/lib/http/respond";
import { qstashAnswer } from "@/lib/qstash/answer";
import { reportUnexpected } from "@/lib/telemetry/error-record";
import { log } from "@/lib/telemetry/log";

/**
 * Wraps a QStash webhook. A failure the handler did not decide itself (storage unreachable, a
 * bug) is answered as a retry on QStash's own schedule — a 503 without Retry-After, so a long
 * outage is waited out by the retry policy's growing delays instead of spending every retry at
 * the same short interval.
 */
export function webhook(handler: (req: Request) => Promise<Response>) {
  return async (req: Request): Promise<Response> => {
    try {
      return await handler(req);
    } catch (error) {
      if (error instanceof AppError) return errorResponse(error);
      const where = `webhook:${new URL(req.url).pathname}`;
      if (unavailable(error))
        log("warn", "service_unreachable", {
          where,
          error: String((error as Error).cause ?? error),
        });
      else await reportUnexpected(error, where);
      return qstashAnswer({
        kind: "retry",
        retryAfterS: null,
        note: unavailable(error) ? "a service was unreachable" : "unexpected error",
      });
    }
  };
}
