import type { ServerResponse } from "node:http";
import { estimateTokens } from "./generate.ts";
import { scriptFor, sseOf, type Pace } from "./events.ts";
import {
  chatCompletion,
  finalOutput,
  responseObject,
  responsesUsage,
  type Answer,
} from "./shapes.ts";
import type { Plan } from "./types.ts";

/**
 * How a plain (not background) answer ended, for the call log; `tokensSent` is what the client
 * actually received, `response` the final Response object of a Responses answer that finished.
 */
export type Ending = {
  outcome: "ok" | "aborted" | "stalled";
  tokensSent: number;
  response?: Record<string, unknown>;
};

export type Pacing = Pace & {
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

/**
 * Writes one plain answer — a JSON body or an SSE stream — for either endpoint, paced by the
 * knobs. Generation lives and dies with this one connection: when the client leaves, it stops.
 */
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
    const status = a.truncated ? "incomplete" : "completed";
    const body =
      plan.endpoint === "responses"
        ? responseObject(plan, a, status, finalOutput(plan, a), responsesUsage(a))
        : chatCompletion(plan, a);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    return {
      outcome: "ok",
      tokensSent: a.outputTokens,
      ...(plan.endpoint === "responses" ? { response: body } : {}),
    };
  }

  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
  const { steps, stallAt } = scriptFor(plan, a, p);
  let sent = "";
  let response: Record<string, unknown> | undefined;
  const start = performance.now();
  for (const [i, step] of steps.entries()) {
    if (p.stall && i === stallAt) {
      await untilGone(p.gone); // an answer shorter than the stall point still never finishes
      return { outcome: "stalled", tokensSent: sent ? estimateTokens(sent) : 0 };
    }
    // Due on a clock, not after fixed sleeps: a tiny msPerToken batches several tokens per wake-up.
    const wait = start + step.at - performance.now();
    if (wait >= 1) await sleep(wait, p.gone);
    if (p.gone.aborted) return { outcome: "aborted", tokensSent: sent ? estimateTokens(sent) : 0 };
    const event = step.event();
    const flushed = res.write(sseOf(plan, event));
    sent += step.delta ?? "";
    if (step.status === "completed" || step.status === "incomplete")
      response = event.response as Record<string, unknown>;
    if (!flushed) await Promise.race([new Promise((r) => res.once("drain", r)), untilGone(p.gone)]);
  }
  if (plan.endpoint === "chat.completions") res.write("data: [DONE]\n\n");
  res.end();
  return { outcome: "ok", tokensSent: a.outputTokens, response };
}
