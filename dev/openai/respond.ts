import type { ServerResponse } from "node:http";
import { estimateTokens, toDeltas } from "./generate.ts";
import {
  chatChunk,
  chatCompletion,
  finalOutput,
  isReasoningModel,
  messageItem,
  reasoningItem,
  responseObject,
  type Answer,
} from "./shapes.ts";
import type { Plan } from "./types.ts";

/** How an answer ended, for the call log; `tokensSent` is what the client actually received. */
export type Ending = { outcome: "ok" | "aborted" | "stalled"; tokensSent: number };

export type Pacing = {
  /** ms before the first text token. */
  firstTokenMs: number;
  /** ms between text tokens (a non-streamed answer waits for all of them). */
  msPerToken: number;
  /** Start answering, then send nothing more until the client leaves. */
  stall: boolean;
  /** Aborted when the client disconnects: generation stops at once, like OpenAI's. */
  gone: AbortSignal;
};

/** Resolves after `ms`, or as soon as the client is gone. */
function sleep(ms: number, gone: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (gone.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      gone.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    gone.addEventListener("abort", done, { once: true });
  });
}

const untilGone = (gone: AbortSignal) =>
  new Promise<void>((resolve) =>
    gone.aborted ? resolve() : gone.addEventListener("abort", () => resolve(), { once: true }),
  );

/** Writes one answer — a JSON body or an SSE stream — for either endpoint, paced by the knobs. */
export async function writeAnswer(
  res: ServerResponse,
  plan: Plan,
  a: Answer,
  p: Pacing,
): Promise<Ending> {
  if (!plan.stream) {
    if (p.stall) return untilGone(p.gone).then(() => ({ outcome: "stalled", tokensSent: 0 }));
    await sleep(p.firstTokenMs + a.outputTokens * p.msPerToken, p.gone);
    if (p.gone.aborted) return { outcome: "aborted", tokensSent: 0 };
    const body =
      plan.endpoint === "responses"
        ? responseObject(
            plan,
            a,
            a.truncated ? "incomplete" : "completed",
            finalOutput(plan, a),
            true,
          )
        : chatCompletion(plan, a);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    return { outcome: "ok", tokensSent: a.outputTokens };
  }

  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
  const responses = plan.endpoint === "responses";
  let seq = 0;
  // Responses events are named SSE events with a sequence number; chat chunks are bare `data:` lines.
  const send = (payload: Record<string, unknown>) =>
    res.write(
      responses
        ? `event: ${payload.type}\ndata: ${JSON.stringify({ ...payload, sequence_number: seq++ })}\n\n`
        : `data: ${JSON.stringify(payload)}\n\n`,
    );
  const reasoning = responses && isReasoningModel(plan.model);
  const at = { item_id: `msg_${a.suffix}`, output_index: reasoning ? 1 : 0, content_index: 0 };

  if (responses) {
    send({ type: "response.created", response: responseObject(plan, a, "in_progress", [], false) });
    send({
      type: "response.in_progress",
      response: responseObject(plan, a, "in_progress", [], false),
    });
    if (reasoning) {
      send({ type: "response.output_item.added", output_index: 0, item: reasoningItem(a) });
      send({ type: "response.output_item.done", output_index: 0, item: reasoningItem(a) });
    }
    send({
      type: "response.output_item.added",
      output_index: at.output_index,
      item: messageItem(a, "in_progress", null),
    });
    send({
      type: "response.content_part.added",
      ...at,
      part: { type: "output_text", text: "", annotations: [], logprobs: [] },
    });
  } else {
    send(chatChunk(plan, a, { role: "assistant", content: "", refusal: null }, null));
  }

  const deltas = toDeltas(a.text);
  const stallAt = p.stall ? Math.min(3, deltas.length) : Infinity;
  let sent = "";
  // Tokens are due on a clock, not after fixed sleeps, so timer overhead does not add up and
  // a tiny msPerToken batches several tokens per wake-up instead of running slow.
  const start = performance.now() + p.firstTokenMs;
  for (const [i, delta] of deltas.entries()) {
    if (i === stallAt) {
      await untilGone(p.gone);
      return { outcome: "stalled", tokensSent: sent ? estimateTokens(sent) : 0 };
    }
    const wait = start + i * p.msPerToken - performance.now();
    if (wait >= 1) await sleep(wait, p.gone);
    if (p.gone.aborted) return { outcome: "aborted", tokensSent: sent ? estimateTokens(sent) : 0 };
    const flushed = responses
      ? send({ type: "response.output_text.delta", ...at, delta, logprobs: [] })
      : send(chatChunk(plan, a, { content: delta }, null));
    sent += delta;
    if (!flushed) await Promise.race([new Promise((r) => res.once("drain", r)), untilGone(p.gone)]);
  }
  if (p.stall) {
    await untilGone(p.gone); // an answer shorter than the stall point still never finishes
    return { outcome: "stalled", tokensSent: estimateTokens(a.text) };
  }

  if (responses) {
    const status = a.truncated ? "incomplete" : "completed";
    send({ type: "response.output_text.done", ...at, text: a.text, logprobs: [] });
    send({
      type: "response.content_part.done",
      ...at,
      part: { type: "output_text", text: a.text, annotations: [], logprobs: [] },
    });
    send({
      type: "response.output_item.done",
      output_index: at.output_index,
      item: messageItem(a, status, a.text),
    });
    send({
      type: `response.${status}`,
      response: responseObject(plan, a, status, finalOutput(plan, a), true),
    });
  } else {
    send(chatChunk(plan, a, {}, a.truncated ? "length" : "stop"));
    if (plan.includeUsage) send(chatChunk(plan, a, null, null, true));
    res.write("data: [DONE]\n\n");
  }
  res.end();
  return { outcome: "ok", tokensSent: a.outputTokens };
}
