import "server-only";
import { AppError, type ErrorBody } from "@/lib/errors";

/** A JSON response; `init.headers` are merged over the JSON content type. */
export function json(body: unknown, status = 200, headers: HeadersInit = {}): Response {
  return Response.json(body, { status, headers });
}

export function errorResponse(error: unknown): Response {
  if (error instanceof AppError) return json(error.toJSON(), error.status);
  // An infrastructure fault: the detail goes to the log, never to the client.
  console.error(JSON.stringify({ level: "error", event: "unhandled", message: String(error), stack: (error as Error)?.stack }));
  const body: ErrorBody = { error: { code: "internal:server", message: "Something went wrong on our side. Please try again." } };
  return json(body, 500);
}

/** Wraps a route handler so every thrown AppError becomes its JSON answer. */
export function route<Args extends unknown[]>(handler: (...args: Args) => Promise<Response>) {
  return async (...args: Args): Promise<Response> => {
    try {
      return await handler(...args);
    } catch (error) {
      return errorResponse(error);
    }
  };
}
