import { toDeltas } from "./generate.ts";
import {
  chatChunk,
  finalOutput,
  isReasoningModel,
  messageItem,
  reasoningItem,
  responseObject,
  responsesUsage,
  type Answer,
  type ResponseStatus,
} from "./shapes.ts";
import type { Plan } from "./types.ts";

/**
 * The events of one streamed answer, in order, each with the time it is due. Built once per
 * answer and consumed by both writers, each pacing it on a clock from the start of generation:
 * the plain stream (respond.ts: one listener, generation stops when it leaves) and the
 * background store (background.ts: the server's clock, any number of listeners). Both streams
 * therefore carry the same events in the same order.
 */
type Json = Record<string, unknown>;

export type Step = {
  /** ms after generation started when this event is due. */
  at: number;
  /** Builds the event when it is sent, so its timestamps are those of the sending. */
  event: () => Json;
  /** The text this event adds (text deltas only). */
  delta?: string;
  /** The response's status once this event is out (Responses only, where it changes). */
  status?: ResponseStatus;
};

export type Script = {
  steps: Step[];
  /** Index of the first step a stalled connection never sends: after the third text delta. */
  stallAt: number;
};

export type Pace = {
  /** ms a background response stays queued (0 for a plain one). */
  queueMs: number;
  /** ms before the first text token. */
  firstTokenMs: number;
  /** ms between text tokens. */
  msPerToken: number;
};

/** Tokens a stalled answer still sends before going silent. */
const STALL_AFTER_DELTAS = 3;

export function scriptFor(plan: Plan, a: Answer, pace: Pace): Script {
  return plan.endpoint === "responses" ? responsesScript(plan, a, pace) : chatScript(plan, a, pace);
}

/** Text deltas due on a clock from `start`, so timer overhead does not add up. */
function deltaSteps(a: Answer, start: number, msPerToken: number, make: (d: string) => Json) {
  return toDeltas(a.text).map(
    (delta, i): Step => ({ at: start + i * msPerToken, delta, event: () => make(delta) }),
  );
}

function responsesScript(plan: Plan, a: Answer, pace: Pace): Script {
  const reasoning = isReasoningModel(plan.model);
  const at = { item_id: `msg_${a.suffix}`, output_index: reasoning ? 1 : 0, content_index: 0 };
  const object = (status: ResponseStatus) => responseObject(plan, a, status, [], null);
  const first = plan.background ? "queued" : "in_progress";
  const head: Step[] = [
    { at: 0, status: first, event: () => ({ type: "response.created", response: object(first) }) },
  ];
  if (plan.background)
    head.push({ at: 0, event: () => ({ type: "response.queued", response: object("queued") }) });
  const started = pace.queueMs;
  const now = (event: () => Json, status?: ResponseStatus): Step => ({
    at: started,
    event,
    status,
  });
  head.push(
    now(() => ({ type: "response.in_progress", response: object("in_progress") }), "in_progress"),
  );
  if (reasoning)
    head.push(
      now(() => ({ type: "response.output_item.added", output_index: 0, item: reasoningItem(a) })),
      now(() => ({ type: "response.output_item.done", output_index: 0, item: reasoningItem(a) })),
    );
  head.push(
    now(() => ({
      type: "response.output_item.added",
      output_index: at.output_index,
      item: messageItem(a, "in_progress", null),
    })),
    now(() => ({
      type: "response.content_part.added",
      ...at,
      part: { type: "output_text", text: "", annotations: [], logprobs: [] },
    })),
  );
  const deltas = deltaSteps(a, started + pace.firstTokenMs, pace.msPerToken, (delta) => ({
    type: "response.output_text.delta",
    ...at,
    delta,
    logprobs: [],
  }));
  const end = deltas.at(-1)?.at ?? started;
  const status = a.truncated ? "incomplete" : "completed";
  const tail: Step[] = [
    {
      at: end,
      event: () => ({ type: "response.output_text.done", ...at, text: a.text, logprobs: [] }),
    },
    {
      at: end,
      event: () => ({
        type: "response.content_part.done",
        ...at,
        part: { type: "output_text", text: a.text, annotations: [], logprobs: [] },
      }),
    },
    {
      at: end,
      event: () => ({
        type: "response.output_item.done",
        output_index: at.output_index,
        item: messageItem(a, status, a.text),
      }),
    },
    {
      at: end,
      status,
      event: () => ({
        type: `response.${status}`,
        response: responseObject(plan, a, status, finalOutput(plan, a), responsesUsage(a)),
      }),
    },
  ];
  const steps = [...head, ...deltas, ...tail].map((s, i) => ({
    ...s,
    event: () => ({ ...s.event(), sequence_number: i }),
  }));
  return { steps, stallAt: head.length + Math.min(STALL_AFTER_DELTAS, deltas.length) };
}

/** Chat chunks are bare `data:` lines without sequence numbers; the writer adds `[DONE]`. */
function chatScript(plan: Plan, a: Answer, pace: Pace): Script {
  const head: Step[] = [
    {
      at: 0,
      event: () => chatChunk(plan, a, { role: "assistant", content: "", refusal: null }, null),
    },
  ];
  const deltas = deltaSteps(a, pace.firstTokenMs, pace.msPerToken, (content) =>
    chatChunk(plan, a, { content }, null),
  );
  const end = deltas.at(-1)?.at ?? 0;
  const tail: Step[] = [
    { at: end, event: () => chatChunk(plan, a, {}, a.truncated ? "length" : "stop") },
  ];
  if (plan.includeUsage) tail.push({ at: end, event: () => chatChunk(plan, a, null, null, true) });
  return {
    steps: [...head, ...deltas, ...tail],
    stallAt: head.length + Math.min(STALL_AFTER_DELTAS, deltas.length),
  };
}

/** One event on the wire: Responses events are named SSE events, chat chunks bare `data:` lines. */
export function sseOf(plan: Plan, payload: Json): string {
  return plan.endpoint === "responses"
    ? `event: ${payload.type}\ndata: ${JSON.stringify(payload)}\n\n`
    : `data: ${JSON.stringify(payload)}\n\n`;
}
