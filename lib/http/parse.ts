import "server-only";
import type { z } from "zod";
import { AppError } from "@/lib/errors";

/** Default cap on request bodies, in bytes; routes that accept text pass their own. */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024;

/**
 * Reads and validates a JSON body: wrong content type → 415, oversize → 413,
 * malformed JSON → 400, schema mismatch → 400 naming the first offending field.
 * Nothing is read past `maxBytes`, so a huge body cannot exhaust memory.
 */
export async function readJson<S extends z.ZodType>(
  req: Request,
  schema: S,
  maxBytes = DEFAULT_MAX_BODY_BYTES,
): Promise<z.infer<S>> {
  const type = req.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) {
    throw new AppError(
      "unsupported_media_type:body",
      "Send the body as JSON (Content-Type: application/json).",
    );
  }
  const text = await readText(req, maxBytes);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new AppError("bad_request:json", "The request body is not valid JSON.");
  }
  const result = schema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue.path.length ? `${issue.path.join(".")}: ` : "";
    throw new AppError("bad_request:body", `${where}${issue.message}`);
  }
  return result.data;
}

/**
 * The raw body as text, refusing more than `maxBytes` (counted as bytes, not characters).
 * `keepBOM`: keep a leading byte-order mark, so the text re-encodes to exactly the bytes sent
 * (a signature over the raw body must see them all).
 */
export async function readText(req: Request, maxBytes: number, keepBOM = false): Promise<string> {
  return new TextDecoder("utf-8", { ignoreBOM: keepBOM }).decode(await readBytes(req, maxBytes));
}

/**
 * The raw body, refusing more than `maxBytes`: a declared Content-Length over it is refused
 * before anything is read, and the stream is cut as soon as the bytes read pass it. `tooBig`
 * makes the 413 (a route may name what was too large).
 */
export async function readBytes(
  req: Request,
  maxBytes: number,
  tooBig = () => tooLarge(maxBytes),
): Promise<Buffer> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw tooBig();
  if (!req.body) return Buffer.alloc(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooBig();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/**
 * Reads a multipart/form-data body (a file upload) within `maxBytes`: wrong content type → 415,
 * oversize → 413 (from `tooBig`), a malformed body → 400. The bytes are read, bounded, before
 * they are parsed, so no part can be larger than the body allowed.
 */
export async function readForm(
  req: Request,
  maxBytes: number,
  tooBig?: () => AppError,
): Promise<FormData> {
  const type = req.headers.get("content-type") ?? "";
  if (!/^multipart\/form-data\b/i.test(type)) {
    throw new AppError("unsupported_media_type:body", "Send the body as multipart/form-data.");
  }
  const bytes = await readBytes(req, maxBytes, tooBig);
  try {
    const body = new Response(new Uint8Array(bytes), { headers: { "content-type": type } });
    return await body.formData();
  } catch {
    const message = "The form data could not be read (a malformed multipart body).";
    throw new AppError("bad_request:body", message);
  }
}

function tooLarge(maxBytes: number) {
  return new AppError(
    "payload_too_large:body",
    `The request body is larger than ${Math.round(maxBytes / 1024)} KiB.`,
  );
}

/** Validates the query string: 400 naming the first offending parameter. */
export function readQuery<S extends z.ZodType>(req: Request, schema: S): z.infer<S> {
  const result = schema.safeParse(Object.fromEntries(new URL(req.url).searchParams));
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue.path.length ? `${issue.path.join(".")}: ` : "";
  throw new AppError("bad_request:query", `${where}${issue.message}`);
}

/** Validates a path parameter (or any single value): 400 with `message` when it does not fit. */
export function readParam<S extends z.ZodType>(
  value: unknown,
  schema: S,
  message: string,
): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new AppError("bad_request:query", message);
}
