/**
 * Upstash-Redact-Fields (docs: howto/redact-fields, api-reference publish): a comma-separated
 * list of `body`, `header` or `headers` (every header) and `header[Name]` (one header; the docs
 * also spell it `headers[Name]`). A redacted part reads `REDACTED:<SHA256>` (hex of the original
 * bytes) wherever QStash shows it: the message, DLQ and log views. The original values are still
 * what the destination gets, on every attempt and on a DLQ retry; they are only kept out of sight.
 */
import { createHash } from "node:crypto";
import type { HeaderMap, Redaction } from "./types.ts";

export type { Redaction } from "./types.ts";

const ONE_HEADER = /^headers?\[([^\]]+)\]$/i;

/** Null when absent or empty; throws an Error naming the first option QStash does not have. */
export function parseRedaction(value: string | undefined): Redaction | null {
  const parts = (value ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  if (!parts.length) return null;
  const redaction: Redaction = {};
  for (const part of parts) {
    const one = ONE_HEADER.exec(part);
    if (one) redaction.headers = [...(redaction.headers ?? []), one[1].trim().toLowerCase()];
    else if (part.toLowerCase() === "body") redaction.body = true;
    else if (["header", "headers"].includes(part.toLowerCase())) redaction.allHeaders = true;
    else throw new Error(`unknown field "${part}" (body, headers or header[Name])`);
  }
  return redaction;
}

const hidden = (bytes: Buffer | string) =>
  `REDACTED:${createHash("sha256").update(bytes).digest("hex")}`;

/** The body as views show it, base64 like the stored one. */
export function visibleBody(bodyBase64: string, redaction: Redaction | undefined): string {
  if (!redaction?.body) return bodyBase64;
  return Buffer.from(hidden(Buffer.from(bodyBase64, "base64"))).toString("base64");
}

/** The headers as views show them: redacted names keep their place, each value replaced. */
export function visibleHeader(header: HeaderMap, redaction: Redaction | undefined): HeaderMap {
  if (!redaction?.allHeaders && !redaction?.headers?.length) return header;
  const out: HeaderMap = {};
  for (const [name, values] of Object.entries(header)) {
    const redacted = redaction.allHeaders || redaction.headers?.includes(name.toLowerCase());
    out[name] = redacted ? values.map((v) => hidden(v)) : values;
  }
  return out;
}
