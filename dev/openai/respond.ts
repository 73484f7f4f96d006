import type { ServerResponse } from "node:http";
import { chatChunk, chatCompletion, messageItem, responseObject, type Usage } from "./wire.ts";
import type { Plan } from "./types.ts";
import { toDeltas } from "./generate.ts";

/** How a finished or abandoned answer ended, for the call log. */
export type Ending = "ok" | "aborted" | "stalled";

type Timing = { firstTokenMs: number; msPerToken: number; stall: boolean; closed: () => boolean };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes one answer — JSON or an SSE stream — for either endpoint, paced by the latency knobs. */
export async function writeAnswer(res: ServerResponse, plan: Plan, id: string, text: string, usage: Usage, t: Timing): Promise<Ending> {
  const deltas = toDeltas(text);
  if (!plan.stream) {
    await sleep(t.firstTokenMs + deltas.length * t.msPerToken);
    if (t.stall) return waitForClose(t);
    if (t.closed()) return "aborted";
    const body = plan.endpoint === "responses" ? { ...responseObject(id, plan, text, usage, "completed"), output_text: undefined } : chatCompletion(id, plan, text, usage);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    return "ok";
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  let seq = 0;
  const event = (payload: Record<string, unknown>) => {
    if (plan.endpoint === "responses") res.write(`event: ${payload.type}\ndata: ${JSON.stringify({ ...payload, sequence_number: seq++ })}\n\n`);
    else res.write(`data: ${JSON.stringify(payload)}\n\n`);
  };
  const item = { item_id: `msg_${id.slice(5)}`, output_index: 0, content_index: 0 };
  if (plan.endpoint === "responses") {
    event({ type: "response.created", response: responseObject(id, plan, "", null, "in_progress") });
    event({ type: "response.in_progress", response: responseObject(id, plan, "", null, "in_progress") });
    event({ type: "response.output_item.added", output_index: 0, item: messageItem(id, "", "in_progress") });
    event({ type: "response.content_part.added", ...item, part: { type: "output_text", text: "", annotations: [] } });
  } else {
    event(chatChunk(id, plan, { role: "assistant", content: "", refusal: null }, null));
  }
  await sleep(t.firstTokenMs);
  for (const [i, delta] of deltas.entries()) {
    if (t.closed()) return "aborted";
    if (t.stall && i === Math.min(3, deltas.length - 1)) return waitForClose(t);
    if (plan.endpoint === "responses") event({ type: "response.output_text.delta", ...item, delta, logprobs: [] });
    else event(chatChunk(id, plan, { content: delta }, null));
    if (t.msPerToken > 0) await sleep(t.msPerToken);
  }
  if (plan.endpoint === "responses") {
    event({ type: "response.output_text.done", ...item, text, logprobs: [] });
    event({ type: "response.content_part.done", ...item, part: { type: "output_text", text, annotations: [] } });
    event({ type: "response.output_item.done", output_index: 0, item: messageItem(id, text, "completed") });
    event({ type: "response.completed", response: responseObject(id, plan, text, usage, "completed") });
  } else {
    event(chatChunk(id, plan, {}, "stop"));
    if (plan.includeUsage) event(chatChunk(id, plan, {}, null, usage));
    res.write("data: [DONE]\n\n");
  }
  res.end();
  return "ok";
}

/** A stalled answer: send nothing more, until the client gives up. */
async function waitForClose(t: Timing): Promise<Ending> {
  while (!t.closed()) await sleep(50);
  return "stalled";
}
