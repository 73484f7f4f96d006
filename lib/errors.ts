/**
 * One error model for the whole app. `code` is stable ("bad_request:listing") so the client can
 * rebuild the error; `message` is safe to show a person. Infrastructure faults are not AppErrors:
 * they are logged with detail and answered with a generic 500 (see lib/http/respond.ts).
 */
export type ErrorCode =
  | "bad_request:body"
  | "bad_request:json"
  | "bad_request:listing"
  | "bad_request:file"
  | "unsupported_media_type:body"
  | "bad_request:params"
  | "bad_request:analysis"
  | "bad_request:input"
  | "bad_request:query"
  | "not_found:listing"
  | "not_found:conversation"
  | "not_found:job"
  | "unauthorized:signature"
  | "unauthorized:ops"
  | "not_found:error_group"
  | "not_found:flow_key"
  | "conflict:job"
  | "not_found:batch"
  | "rate_limited:start"
  | "rate_limited:ops"
  | "rate_limited:session"
  | "rate_limited:listing"
  | "rate_limited:conversation"
  | "rate_limited:budget"
  | "unavailable:budget"
  | "unavailable:queue"
  | "unavailable:store"
  | "unavailable:service"
  | "unavailable:store_full"
  | "not_found:route"
  | "payload_too_large:body"
  | "payload_too_large:file"
  | "internal:server";

const statusByPrefix: Record<string, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
};

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra response headers (Retry-After on a 429). */
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.status = statusByPrefix[code.split(":")[0]] ?? 500;
    this.headers = headers;
  }

  toJSON() {
    return { error: { code: this.code, message: this.message } };
  }
}

export type ErrorBody = { error: { code: string; message: string } };
