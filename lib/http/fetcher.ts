import type { ErrorBody } from "@/lib/errors";

/** An error answer of our API, rebuilt on the client from its stable `code`. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, message: string, status: number) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
  }
}

/**
 * fetch + JSON for the browser: a non-2xx answer becomes an ApiError with the server's message.
 * A string body is sent as JSON; any other (FormData) keeps the type fetch gives it, which for
 * multipart carries the boundary.
 */
export async function fetchJson<T>(input: string, init?: RequestInit): Promise<T> {
  const isJson = typeof init?.body === "string";
  const res = await fetch(input, {
    ...init,
    headers: { ...(isJson ? { "content-type": "application/json" } : {}), ...init?.headers },
  });
  const body = (await res.json().catch(() => null)) as (T & Partial<ErrorBody>) | null;
  if (!res.ok) {
    const error = body?.error;
    throw new ApiError(
      error?.code ?? `http:${res.status}`,
      error?.message ?? `Request failed (${res.status})`,
      res.status,
    );
  }
  return body as T;
}
