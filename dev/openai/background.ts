import type { ServerResponse } from "node:http";
import { scriptFor, sseOf, type Script } from "./events.ts";
import { estimateTokens } from "./generate.ts";
import { sendJson } from "./http.ts";
import { DEFAULT_BACKGROUND_RETENTION_MS, DEFAULT_MS_PER_TOKEN } from "./knobs.ts";
import {
  isTerminal,
  partialOutput,
  responseObject,
  responsesUsage,
  type Answer,
} from "./shapes.ts";
import type { Plan, ResponseStatus, SimulatorCall, SimulatorKnobs } from "./types.ts";

/**
 * Stored responses, as OpenAI keeps them for GET /v1/responses/{id}.
 *
 * A background response (`background: true`) is generated here on the server's clock, paced by
 * the knobs as a plain stream is, whether or not anybody listens: its events go into a log (with
 * their sequence numbers) and to every live listener — the create's own stream and any
 * retrieve streams, each starting after the sequence number it asked for. It is billed once, in
 * its one call-log entry, however many streams carried it. Cancelling stops generation at once.
 * It is forgotten `backgroundRetentionMs` after it ends ("roughly 10 minutes" at OpenAI).
 *
 * A plain response (store not false) is kept once it has finished, so a retrieve of it works;
 * one cut off by its client, or stalled, is not kept. Plain ones do not expire (OpenAI keeps them
 * 30 days); the simulator forgets the oldest finished ones beyond MAX_STORED.
 */
type Json = Record<string, unknown>;

/** A stream carrying a background response's events; a stalled one sends none from `silentFrom`. */
type Listener = { res: ServerResponse; silentFrom: number };

type Generation = {
  plan: Plan;
  answer: Answer;
  script: Script;
  /** Every event sent so far; an event's index is its sequence number. */
  events: Json[];
  /** The text generated so far. */
  text: string;
  next: number;
  /** performance.now() when generation was created; steps are due from here. */
  start: number;
  listeners: Set<Listener>;
  timer?: NodeJS.Timeout;
  /** Called once when it reaches a terminal state (the call-log line). */
  ended: () => void;
};

export type Stored = {
  id: string;
  call: SimulatorCall;
  status: ResponseStatus;
  /** The final Response object, once terminal. */
  final?: Json;
  /** Background responses only. */
  gen?: Generation;
  expiry?: NodeJS.Timeout;
};

const MAX_STORED = 10_000;

const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  connection: "keep-alive",
};

export class ResponseStore {
  private entries = new Map<string, Stored>();

  // A plain field, not a parameter property: node runs dev/ by stripping types, which cannot rewrite those.
  private readonly knobs: () => SimulatorKnobs;

  constructor(knobs: () => SimulatorKnobs) {
    this.knobs = knobs;
  }

  get(id: string): Stored | undefined {
    return this.entries.get(id);
  }

  /** A plain response that finished: kept for retrieve. */
  keep(call: SimulatorCall, response: Json): void {
    const status = response.status as ResponseStatus;
    call.responseStatus = status;
    this.add({ id: call.id, call, status, final: response });
  }

  /**
   * Starts a background response and answers its create request: a stream from the first event,
   * or at once the Response object, queued. A stall fault silences the connection only (the
   * stream after its third text delta, a plain create before it answers); generation goes on.
   */
  start(
    plan: Plan,
    answer: Answer,
    call: SimulatorCall,
    res: ServerResponse,
    stall: boolean,
    ended: () => void,
  ): void {
    const k = this.knobs();
    const script = scriptFor(plan, answer, {
      queueMs: k.queueMs ?? 0,
      firstTokenMs: k.firstTokenMs ?? 0,
      msPerToken: k.latencyMsPerToken ?? DEFAULT_MS_PER_TOKEN,
    });
    const gen: Generation = {
      plan,
      answer,
      script,
      events: [],
      text: "",
      next: 0,
      start: performance.now(),
      listeners: new Set(),
      ended,
    };
    const stored: Stored = { id: answer.id, call, status: "queued", gen };
    call.responseStatus = "queued";
    this.add(stored);
    if (plan.stream) this.listen(stored, res, -1, stall ? script.stallAt : Infinity);
    else if (!stall) sendJson(res, 200, this.current(stored));
    this.advance(stored);
  }

  /** The Response object as it is now: queued or in progress without output, or final. */
  current(s: Stored): Json {
    if (s.final) return s.final;
    const { plan, answer } = s.gen!;
    return responseObject(plan, answer, s.status, [], null);
  }

  /**
   * Streams a background response: the stored events after sequence number `after`, then the
   * live ones as they are generated, then ends (at once for one that has ended). A cancelled
   * response's stream ends after its last event: the SDK knows no `response.cancelled` event.
   */
  listen(s: Stored, res: ServerResponse, after: number, silentFrom = Infinity): void {
    const gen = s.gen!;
    s.call.streams++;
    res.writeHead(200, SSE_HEADERS);
    for (let i = Math.max(0, after + 1); i < gen.events.length && i < silentFrom; i++)
      res.write(sseOf(gen.plan, gen.events[i]));
    if (isTerminal(s.status)) return void res.end();
    const listener = { res, silentFrom };
    gen.listeners.add(listener);
    res.once("close", () => gen.listeners.delete(listener));
  }

  /** Stops a background response at once, billed up to here; a finished one is answered as it is. */
  cancel(s: Stored): Json {
    const gen = s.gen!;
    if (s.final) return s.final;
    const { plan, answer } = gen;
    const started = s.status === "in_progress";
    const textTokens = gen.text ? estimateTokens(gen.text) : 0;
    s.status = "cancelled";
    s.final = started
      ? responseObject(
          plan,
          answer,
          "cancelled",
          partialOutput(plan, answer, gen.text),
          responsesUsage(answer, textTokens),
        )
      : responseObject(plan, answer, "cancelled", [], null);
    // Still queued: the model never read the input, so nothing is billed.
    if (started) s.call.outputTokens = answer.reasoningTokens + textTokens;
    else Object.assign(s.call, { inputTokens: 0, outputTokens: 0 });
    s.call.cancelled = true;
    this.end(s, "cancelled");
    return s.final;
  }

  /** Forgets a response (a running one is cancelled first: there is nothing left to generate into). */
  delete(s: Stored): void {
    if (s.gen && !s.final) this.cancel(s);
    this.forget(s);
  }

  /** Forgets everything and stops all generation (admin reset, simulator stop). */
  clear(): void {
    for (const s of this.entries.values()) this.forget(s);
  }

  private add(s: Stored): void {
    this.entries.set(s.id, s);
    if (this.entries.size <= MAX_STORED) return;
    for (const old of this.entries.values()) {
      if (old.final) {
        this.forget(old);
        break;
      }
    }
  }

  private forget(s: Stored): void {
    clearTimeout(s.gen?.timer);
    clearTimeout(s.expiry);
    // Connections still open here are stalled ones; a broken network ends some day too.
    for (const l of s.gen?.listeners ?? []) l.res.destroy();
    if (this.entries.get(s.id) === s) this.entries.delete(s.id);
  }

  /** Sends every step that is due, then sleeps until the next one. */
  private advance(s: Stored): void {
    const gen = s.gen!;
    gen.timer = undefined;
    const steps = gen.script.steps;
    const elapsed = performance.now() - gen.start;
    while (!s.final && gen.next < steps.length && steps[gen.next].at <= elapsed)
      this.emit(s, gen.next++);
    if (s.final || gen.next >= steps.length) return;
    gen.timer = setTimeout(() => this.advance(s), Math.max(1, steps[gen.next].at - elapsed));
    gen.timer.unref();
  }

  private emit(s: Stored, i: number): void {
    const gen = s.gen!;
    const step = gen.script.steps[i];
    const event = step.event();
    gen.events.push(event);
    gen.text += step.delta ?? "";
    if (step.status) s.status = s.call.responseStatus = step.status;
    // Reasoning comes before the text: it is billed once generation has started.
    if (s.status !== "queued")
      s.call.outputTokens = gen.answer.reasoningTokens + (gen.text ? estimateTokens(gen.text) : 0);
    for (const l of gen.listeners) if (i < l.silentFrom) l.res.write(sseOf(gen.plan, event));
    if (step.status && isTerminal(step.status)) {
      s.final = event.response as Json;
      this.end(s, "ok");
    }
  }

  private end(s: Stored, outcome: "ok" | "cancelled"): void {
    const gen = s.gen!;
    clearTimeout(gen.timer);
    Object.assign(s.call, { outcome, endedAt: Date.now(), responseStatus: s.status });
    for (const l of gen.listeners) {
      if (gen.events.length > l.silentFrom) continue; // stalled: stays silent
      l.res.end();
      gen.listeners.delete(l);
    }
    const retention = this.knobs().backgroundRetentionMs ?? DEFAULT_BACKGROUND_RETENTION_MS;
    s.expiry = setTimeout(() => this.forget(s), retention);
    s.expiry.unref();
    gen.ended();
  }
}
