/**
 * Header bookkeeping. Node lowercases incoming header names and batch entries arrive in any
 * case, so everything is first lowercased; names QStash shows back (message `header`, DLQ
 * `responseHeader`, callback `header`) are in Go's canonical form ("Content-Type"), as the real
 * service returns them.
 */
import type { HeaderMap } from "./types.ts";

/** Lowercase name → single value (repeated headers joined the way Node joins them). */
export type LowerHeaders = Record<string, string>;

export function lowerHeaders(input: Record<string, string | string[] | undefined>): LowerHeaders {
  const out: LowerHeaders = {};
  for (const [name, value] of Object.entries(input)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : String(value);
  }
  return out;
}

/** "x-my-header" → "X-My-Header" (Go's textproto.CanonicalMIMEHeaderKey). */
export function canonicalName(name: string): string {
  return name
    .toLowerCase()
    .split("-")
    .map((part) => (part ? part[0].toUpperCase() + part.slice(1) : part))
    .join("-");
}

/** Headers whose names start with `prefix` (lowercase), with the prefix removed and names canonical. */
export function strippedPrefix(headers: LowerHeaders, prefix: string): HeaderMap {
  const out: HeaderMap = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(prefix) && name.length > prefix.length)
      out[canonicalName(name.slice(prefix.length))] = [value];
  }
  return out;
}

/** A response's headers (Node's `headersDistinct`) in QStash's canonical shape. */
export function canonicalMap(input: Record<string, string[] | undefined>): HeaderMap {
  const out: HeaderMap = {};
  for (const [name, values] of Object.entries(input))
    if (values) out[canonicalName(name)] = [...values];
  return out;
}

/** One value per name, for sending with node:http (QStash sends repeated values joined). */
export function flatHeaders(map: HeaderMap): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, values] of Object.entries(map)) out[name] = values.join(", ");
  return out;
}

/** Case-insensitive lookup in a HeaderMap. */
export function headerValue(map: HeaderMap, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, values] of Object.entries(map))
    if (key.toLowerCase() === lower) return values[0];
  return undefined;
}
