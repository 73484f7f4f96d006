import { env } from "@/lib/env";

/** Network failure codes of Node's fetch (undici) that mean "could not talk to it at all". */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_CLOSED",
]);

type Cause = {
  code?: string;
  port?: number;
  hostname?: string;
  address?: string;
  errors?: Cause[];
};

/** The network causes inside a fetch TypeError (an AggregateError holds one per address tried). */
function causes(error: unknown): Cause[] {
  if (!(error instanceof TypeError) || !/fetch failed/i.test(error.message)) return [];
  const cause = (error as { cause?: Cause }).cause;
  if (!cause) return [];
  return [cause, ...(cause.errors ?? [])].filter((c) => c.code && NETWORK_CODES.has(c.code));
}

/**
 * Did this error come from not reaching Upstash Redis at all (refused, reset, DNS, timeout)?
 * @upstash/redis retries such a fetch a few times, then throws the fetch's TypeError; its cause
 * names the address it tried, which is compared with UPSTASH_REDIS_REST_URL. A Redis that
 * answered with an error is something else (an UpstashError).
 */
export function isRedisUnreachable(error: unknown): boolean {
  const found = causes(error);
  if (!found.length) return false;
  const url = new URL(env().UPSTASH_REDIS_REST_URL);
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return found.some((c) => c.port === port || c.hostname === host);
}

/** Any fetch that could not reach its server (Redis, QStash, the AI provider). */
export function isUnreachable(error: unknown): boolean {
  return causes(error).length > 0;
}

/**
 * Did Redis refuse a write because it is full (redis-server's "OOM command not allowed when used
 * memory > 'maxmemory'", Upstash's data-size and request limits)? The SDK throws an UpstashError
 * with Redis's message.
 */
export function isStoreFull(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === "UpstashError" &&
    /\bOOM\b|maxmemory|max (data|database) size|storage limit/i.test(error.message)
  );
}
