import "server-only";
import { zodTextFormat } from "openai/helpers/zod";
import type { Response, ResponseStreamEvent } from "openai/resources/responses/responses";
import type { z } from "zod";
import { env } from "@/lib/env";
import {
  noteBackgroundRefused,
  noteBackgroundSupported,
  wantBackground,
} from "@/lib/openai/background";
import { openai } from "@/lib/openai/client";

/** Where a background response's stream stands: its id and the last event's sequence number. */
export type Cursor = { id: string; seq: number };

export type StreamRequest = {
  instructions: string;
  input: string;
  /** Structured output: the model must answer JSON of this schema. */
  format?: { name: string; schema: z.ZodType };
  /** Aborts the HTTP request (cancel, lost lease, time budget). A background response goes on. */
  signal: AbortSignal;
  /** Called with each text delta as it streams in. */
  onDelta: (delta: string) => void;
  /** Called on every stream event, text or not (a reasoning model may think a while before writing). */
  onEvent?: () => void;
  /** Recorded by OpenAI (and the simulator) to attribute calls to jobs and steps. */
  metadata: Record<string, string>;
  /** Stream the events of this background response after its sequence number, instead of asking again. */
  resume?: Cursor;
  /** Called as a background response's cursor moves (never for a plain stream, which cannot be resumed). */
  onCursor?: (cursor: Cursor) => void;
};

/** Tokens of one answer, as the Job counts them (lib/jobs/schema.ts usageSchema). */
type Usage = { inputTokens: number; outputTokens: number };

export type StreamResult = { text: string; usage: Usage };

/** Thrown when the provider reports a failed, incomplete or cancelled response (inside a 200 stream, or on retrieve). */
export class ProviderResponseError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "ProviderResponseError";
    this.code = code;
  }
}

/** A background stream broke off this many times in a row with no event in between: give up for this delivery. */
const MAX_SILENT_RECONNECTS = 3;

/**
 * One streamed Responses API call. Where the provider supports it (lib/openai/background.ts), the
 * call is a background response: if the connection breaks off before the response ends, it is
 * streamed again from the last sequence number; `onCursor` tells the caller where it stands, so
 * a later process can resume it with `resume`. Returns the full text and the token usage; SDK
 * errors (rate limits, 5xx, connection, abort, 404 for an expired response) propagate for
 * lib/telemetry/classify.ts to sort out.
 */
export async function streamResponse(req: StreamRequest): Promise<StreamResult> {
  const read: Reading = { id: req.resume?.id ?? null, seq: req.resume?.seq ?? -1, text: "" };
  let stream = req.resume ? await reopen(req, req.resume) : await open(req, read);
  for (let silent = 0; ; ) {
    const seqBefore = read.seq;
    const done = await consume(stream, read, req);
    if (done) return done;
    // A plain stream that ends early is what the SDK gives (the text so far); it cannot be resumed.
    if (!read.id || !read.background) return { text: read.text, usage: NO_USAGE };
    // The connection broke off before the response ended: where does it stand?
    const now = await openai().responses.retrieve(read.id, {}, { signal: req.signal });
    if (now.status !== "queued" && now.status !== "in_progress") return ended(now, read);
    silent = read.seq === seqBefore ? silent + 1 : 0;
    if (silent >= MAX_SILENT_RECONNECTS)
      throw new ProviderResponseError(
        "stream_broken",
        `OpenAI background response ${read.id} keeps breaking off its stream`,
      );
    stream = await reopen(req, { id: read.id, seq: read.seq });
  }
}

type Reading = { id: string | null; seq: number; text: string; background?: boolean };
type EventStream = AsyncIterable<ResponseStreamEvent>;

const NO_USAGE: Usage = { inputTokens: 0, outputTokens: 0 };

/** Starts the call: as a background response unless the provider refused that (then plainly). */
async function open(req: StreamRequest, read: Reading): Promise<EventStream> {
  const body = {
    model: env().OPENAI_MODEL,
    instructions: req.instructions,
    input: req.input,
    stream: true as const,
    metadata: req.metadata,
    ...(req.format ? { text: { format: zodTextFormat(req.format.schema, req.format.name) } } : {}),
  };
  if (wantBackground()) {
    try {
      const stream = await openai().responses.create(
        { ...body, background: true, store: true },
        { signal: req.signal },
      );
      read.background = true;
      noteBackgroundSupported();
      return stream;
    } catch (error) {
      if (!noteBackgroundRefused(error)) throw error;
    }
  }
  read.background = false;
  return openai().responses.create(body, { signal: req.signal });
}

function reopen(req: StreamRequest, at: Cursor): Promise<EventStream> {
  return openai().responses.retrieve(
    at.id,
    { stream: true, starting_after: at.seq },
    { signal: req.signal },
  );
}

/** Reads events until the response ends (its result) or the stream does (null). */
async function consume(
  stream: EventStream,
  read: Reading,
  req: StreamRequest,
): Promise<StreamResult | null> {
  if (req.resume) read.background = true;
  for await (const event of stream) {
    req.onEvent?.();
    if ("response" in event && event.response?.id) {
      read.id = event.response.id;
      if (event.response.background) read.background = true;
    }
    if (typeof event.sequence_number === "number") read.seq = event.sequence_number;
    if (read.background && read.id) req.onCursor?.({ id: read.id, seq: read.seq });
    if (event.type === "response.output_text.delta") {
      read.text += event.delta;
      req.onDelta(event.delta);
    } else if (
      event.type === "response.completed" ||
      event.type === "response.failed" ||
      event.type === "response.incomplete"
    ) {
      return ended(event.response, read);
    } else if (event.type === "error") {
      throw new ProviderResponseError(
        event.code ?? "stream_error",
        `OpenAI stream error: ${event.message}`,
      );
    }
  }
  return null;
}

/**
 * The result of a response that ended, or the error it ended with. The text is the response's
 * own output (a resumed stream saw only its tail), else what streamed.
 */
function ended(response: Response, read: Reading): StreamResult {
  if (response.status === "completed") {
    const u = response.usage;
    return {
      text: outputText(response) || read.text,
      usage: u ? { inputTokens: u.input_tokens, outputTokens: u.output_tokens } : NO_USAGE,
    };
  }
  const detail =
    response.error?.message ??
    response.incomplete_details?.reason ??
    response.status ??
    "no detail";
  throw new ProviderResponseError(
    response.error?.code ?? `response.${response.status}`,
    `OpenAI response ${response.status}: ${detail}`,
  );
}

function outputText(response: Response): string {
  let text = "";
  for (const item of response.output ?? [])
    if (item.type === "message")
      for (const part of item.content) if (part.type === "output_text") text += part.text;
  return text;
}

/**
 * Stops a background response at the provider (a cancel, or a job that ended with its call in
 * flight), so it is not generated and billed to the end. Cancelling is idempotent; a response
 * that is gone or already ended is fine. Never throws.
 */
export async function cancelResponse(id: string): Promise<boolean> {
  try {
    await openai().responses.cancel(id, { signal: AbortSignal.timeout(5_000) });
    return true;
  } catch {
    return false;
  }
}
