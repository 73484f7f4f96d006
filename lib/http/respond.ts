import "server-only";
import { AppError, type ErrorBody } from "@/lib/errors";
import { classify } from "@/lib/jobs/classify";
import { errorEvent } from "@/lib/ops/classify";
import { recordError } from "@/lib/ops/error-store";

/** A JSON response; `init.headers` are merged over the JSON content type. */
export function json(body: unknown, status = 200, headers: HeadersInit = {}): Response {
  return Response.json(body, { status, headers });
}

export function errorResponse(error: unknown): Response {
  if (error instanceof AppError) return json(error.toJSON(), error.status, error.headers);
  const body: ErrorBody = { error: { code: "internal:server", message: "Something went wrong on our side. Please try again." } };
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
      if (!(error instanceof AppError)) {
        const where = args[0] instanceof Request ? `route:${new URL(args[0].url).pathname}` : "route";
        await recordError(errorEvent(classify(error).error, where, error, "final"));
      }
      return errorResponse(error);
    }
  };
}
