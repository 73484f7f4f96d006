import "server-only";
import { zodTextFormat } from "openai/helpers/zod";
import type { z } from "zod";
import { env } from "@/lib/env";
import { openai } from "@/lib/openai/client";

export type StreamRequest = {
  instructions: string;
  input: string;
  /** Structured output: the model must answer JSON of this schema. */
  format?: { name: string; schema: z.ZodType };
  /** Aborts the HTTP request (cancel, lost lease, time budget). */
  signal: AbortSignal;
  /** Called with each text delta as it streams in. */
  onDelta: (delta: string) => void;
  /** Called on every stream event, text or not (a reasoning model may think a while before writing). */
  onEvent?: () => void;
  /** Recorded by OpenAI (and the simulator) to attribute calls to jobs and steps. */
  metadata: Record<string, string>;
};

/** Tokens of one answer, as the Job counts them (lib/jobs/schema.ts usageSchema). */
type Usage = { inputTokens: number; outputTokens: number };

export type StreamResult = { text: string; usage: Usage };

/** Thrown when the provider reports a failed or incomplete response inside a 200 stream. */
export class ProviderResponseError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "ProviderResponseError";
    this.code = code;
  }
}

/**
 * One streamed Responses API call. Returns the full text and token usage; SDK errors (rate
 * limits, 5xx, connection, abort) propagate for lib/telemetry/classify.ts to sort out.
 */
export async function streamResponse(req: StreamRequest): Promise<StreamResult> {
  const stream = await openai().responses.create(
    {
      model: env().OPENAI_MODEL,
      instructions: req.instructions,
      input: req.input,
      stream: true,
      metadata: req.metadata,
      ...(req.format
        ? { text: { format: zodTextFormat(req.format.schema, req.format.name) } }
        : {}),
    },
    { signal: req.signal },
  );
  let text = "";
  let usage: Usage = { inputTokens: 0, outputTokens: 0 };
  for await (const event of stream) {
    req.onEvent?.();
    if (event.type === "response.output_text.delta") {
      text += event.delta;
      req.onDelta(event.delta);
    } else if (event.type === "response.completed") {
      const u = event.response.usage;
      if (u) usage = { inputTokens: u.input_tokens, outputTokens: u.output_tokens };
    } else if (event.type === "response.failed" || event.type === "response.incomplete") {
      const detail =
        event.response.error?.message ?? event.response.incomplete_details?.reason ?? "no detail";
      throw new ProviderResponseError(
        event.response.error?.code ?? event.type,
        `OpenAI ${event.type}: ${detail}`,
      );
    } else if (event.type === "error") {
      throw new ProviderResponseError(
        event.code ?? "stream_error",
        `OpenAI stream error: ${event.message}`,
      );
    }
  }
  return { text, usage };
}
