import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startOpenAISimulator, type OpenAISimulator } from "../../../dev/openai/index.ts";
import { eventually } from "../../helpers/eventually.ts";

/**
 * The simulator's Responses background mode, driven only through the official openai SDK: the
 * guarantees an app would build on (generation outlives the connection, a stream resumes after
 * any sequence number, a cancel stops the bill, a response expires) and what it refuses.
 * Paces are a few ms per token and every wait polls for a state, so a busy machine is slow, not red.
 */
let sim: OpenAISimulator;
let client: OpenAI;
let admin: (path: string) => string;
beforeAll(async () => {
  sim = await startOpenAISimulator({ port: 0, apiKey: "sim-key", knobs: { latencyMsPerToken: 0 } });
  client = new OpenAI({ apiKey: "sim-key", baseURL: sim.url, maxRetries: 0 });
  admin = (path) => new URL(path, sim.url).href;
});
afterAll(async () => sim?.stop());
beforeEach(async () => {
  await client.post(admin("/__admin/reset")); // calls, stored responses and knobs
});

type Event = OpenAI.Responses.ResponseStreamEvent;
const LISTING =
  "Harbour coffee roaster with twelve wholesale accounts, a corner café and a roasting school. Revenue grows 8% a year; the roaster is ten years old.";
/** About 90 tokens of answer: long enough to interrupt at a few ms per token. */
const LONG = LISTING.repeat(10);
const body = (over: Partial<OpenAI.Responses.ResponseCreateParamsNonStreaming> = {}) => ({
  model: "gpt-4.1-mini",
  input: LONG,
  background: true,
  ...over,
});
const textOf = (events: Event[]) =>
  events.flatMap((e) => (e.type === "response.output_text.delta" ? [e.delta] : [])).join("");
const seqOf = (events: Event[]) => events.map((e) => e.sequence_number);
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

/** Polls GET /v1/responses/{id} until the response leaves queued / in_progress. */
const settled = (id: string) =>
  eventually(
    async () => {
      const r = await client.responses.retrieve(id);
      return r.status !== "queued" && r.status !== "in_progress" ? r : null;
    },
    { timeoutMs: 20_000 },
  );

/** Reads a stream until it ends, or `stopAfter` says to leave (the SDK then closes the connection). */
async function read(stream: AsyncIterable<Event>, stopAfter?: (seen: Event[]) => boolean) {
  const seen: Event[] = [];
  for await (const e of stream) {
    seen.push(e);
    if (stopAfter?.(seen)) break;
  }
  return seen;
}
const deltas = (n: number) => (seen: Event[]) =>
  seen.filter((e) => e.type === "response.output_text.delta").length >= n;

/** The text and usage of the same request answered plainly (answers are deterministic). */
const plainly = (input = LONG) => client.responses.create({ model: "gpt-4.1-mini", input });

describe("Responses background mode, through the openai SDK", () => {
  it("streams a background response: queued first, sequence numbers from 0, background: true", async () => {
    sim.setKnobs({ latencyMsPerToken: 2 });
    const seen = await read(await client.responses.create({ ...body(), stream: true }));
    const types = seen.map((e) => e.type).filter((t, i, all) => t !== all[i - 1]);
    expect(types).toEqual([
      "response.created",
      "response.queued",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(seqOf(seen)).toEqual(range(0, seen.length));
    const created = seen[0] as OpenAI.Responses.ResponseCreatedEvent;
    expect(created.response).toMatchObject({ status: "queued", background: true, store: true });
    const completed = seen.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
    expect(completed.response.background).toBe(true);

    const stored = await client.responses.retrieve(created.response.id);
    expect(stored.status).toBe("completed");
    expect(stored.output_text).toBe(textOf(seen));
    expect(stored.output_text).toBe((await plainly()).output_text);
    expect(stored.usage).toEqual(completed.response.usage);
  });

  it("keeps generating after the client leaves, and bills it once, in full", async () => {
    sim.setKnobs({ latencyMsPerToken: 5 });
    const controller = new AbortController();
    const stream = await client.responses.create(
      { ...body({ metadata: { job_id: "bg-abort" } }), stream: true },
      { signal: controller.signal },
    );
    const seen: Event[] = [];
    await (async () => {
      for await (const e of stream) {
        seen.push(e);
        if (deltas(3)(seen)) controller.abort();
      }
    })().catch(() => {}); // the SDK ends the iteration quietly (or throws) on abort
    expect(seen.some((e) => e.type === "response.completed")).toBe(false);

    const id = (seen[0] as OpenAI.Responses.ResponseCreatedEvent).response.id;
    const final = await settled(id);
    expect(final.status).toBe("completed");
    expect(final.output_text).toBe((await plainly()).output_text);
    const mine = sim.calls().filter((c) => c.metadata?.job_id === "bg-abort");
    expect(mine).toHaveLength(1); // one create, one bill
    expect(mine[0]).toMatchObject({
      background: true,
      responseId: id,
      responseStatus: "completed",
      outcome: "ok",
      streams: 1,
      outputTokens: final.usage!.output_tokens,
      inputTokens: final.usage!.input_tokens,
    });
  });

  it("resumes a stream after any sequence number: contiguous events, the same text; streamed twice, billed once", async () => {
    sim.setKnobs({ latencyMsPerToken: 5 });
    const first = await read(await client.responses.create({ ...body(), stream: true }), deltas(4));
    const cursor = first.at(-1)!.sequence_number;
    const id = (first[0] as OpenAI.Responses.ResponseCreatedEvent).response.id;

    const rest = await read(
      await client.responses.retrieve(id, { stream: true, starting_after: cursor }),
    );
    expect(rest[0].sequence_number).toBe(cursor + 1);
    expect(seqOf(rest)).toEqual(range(cursor + 1, rest.length));
    expect(rest.at(-1)!.type).toBe("response.completed");
    const final = await client.responses.retrieve(id);
    expect(textOf(first) + textOf(rest)).toBe(final.output_text);

    // Once it has ended, a stream without starting_after replays it whole, then ends.
    const replay = await read(await client.responses.retrieve(id, { stream: true }));
    expect(seqOf(replay)).toEqual(range(0, cursor + 1 + rest.length));
    expect(textOf(replay)).toBe(final.output_text);

    const calls = sim.calls();
    expect(calls).toHaveLength(1);
    expect(calls[0].streams).toBe(3);
    expect(calls[0].retrievals).toBe(3);
    expect(calls[0].outputTokens).toBe(final.usage!.output_tokens);
    expect(sim.usage().total).toMatchObject({ calls: 1, billedTokens: final.usage!.total_tokens });
  });

  it("cancels mid-generation: the live stream ends, status cancelled, billed to that point; twice is the same", async () => {
    const full = await plainly();
    sim.setKnobs({ latencyMsPerToken: 20 });
    const stream = await client.responses.create({ ...body(), stream: true });
    let cancelled: OpenAI.Responses.Response | undefined;
    const seen: Event[] = [];
    for await (const e of stream) {
      seen.push(e);
      if (deltas(3)(seen) && !cancelled) {
        const id = (seen[0] as OpenAI.Responses.ResponseCreatedEvent).response.id;
        cancelled = await client.responses.cancel(id);
      }
    }
    // The stream ended after its last event: there is no response.cancelled event to send.
    expect(seen.map((e) => e.type)).not.toContain("response.completed");
    expect(seen.at(-1)!.type).toBe("response.output_text.delta");
    expect(cancelled!.status).toBe("cancelled");

    const id = cancelled!.id;
    const again = await client.responses.cancel(id);
    expect(again).toEqual(cancelled);
    const stored = await client.responses.retrieve(id);
    expect(stored.status).toBe("cancelled");
    expect(stored.output_text).toBe(textOf(seen)); // what was generated, not a token more
    const call = sim.calls()[1];
    expect(call).toMatchObject({
      outcome: "cancelled",
      cancelled: true,
      responseStatus: "cancelled",
    });
    expect(call.outputTokens).toBeGreaterThanOrEqual(3);
    expect(call.outputTokens).toBeLessThan(full.usage!.output_tokens);
    expect(call.outputTokens).toBe(stored.usage!.output_tokens);

    // Generation really stopped: nothing more is billed, a retrieve stream replays the same and ends.
    await new Promise((r) => setTimeout(r, 200));
    expect(sim.calls()[1].outputTokens).toBe(call.outputTokens);
    const replay = await read(await client.responses.retrieve(id, { stream: true }));
    expect(seqOf(replay)).toEqual(seqOf(seen));
  });

  it("answers a non-stream background create at once, queued, and finishes it on the server's clock", async () => {
    sim.setKnobs({ latencyMsPerToken: 2, queueMs: 1000 });
    const created = await client.responses.create(body({ metadata: { job_id: "bg-poll" } }));
    expect(created).toMatchObject({ status: "queued", background: true, output: [], usage: null });
    expect((await client.responses.retrieve(created.id)).status).toBe("queued");
    const final = await settled(created.id);
    expect(final).toMatchObject({ status: "completed", background: true });
    expect(final.output_text).toMatch(/^\[simulated\] /);
    expect(final.usage!.output_tokens).toBeGreaterThan(0);
    expect(sim.calls()[0]).toMatchObject({
      streams: 0,
      outcome: "ok",
      responseStatus: "completed",
    });
    expect(sim.calls()[0].retrievals).toBeGreaterThanOrEqual(2);
  });

  it("bills nothing for a response cancelled while still queued", async () => {
    sim.setKnobs({ latencyMsPerToken: 2, queueMs: 5000 });
    const created = await client.responses.create(body());
    const cancelled = await client.responses.cancel(created.id);
    expect(cancelled).toMatchObject({ status: "cancelled", usage: null, output: [] });
    expect(sim.calls()[0]).toMatchObject({ inputTokens: 0, outputTokens: 0, outcome: "cancelled" });
    expect(sim.usage().total.billedTokens).toBe(0);
  });

  it("stalls the connection, not the generation: a retrieve stream gets the rest", async () => {
    sim.setKnobs({ latencyMsPerToken: 5, failNext: [{ kind: "stall", count: 1 }] });
    const controller = new AbortController();
    const stream = await client.responses.create(
      { ...body(), stream: true },
      { signal: controller.signal },
    );
    // The app's idle watchdog: no event for 500 ms and it gives up on the connection.
    let watchdog = setTimeout(() => controller.abort(), 500);
    const seen: Event[] = [];
    await (async () => {
      for await (const e of stream) {
        seen.push(e);
        clearTimeout(watchdog);
        watchdog = setTimeout(() => controller.abort(), 500);
      }
    })().catch(() => {});
    clearTimeout(watchdog);
    expect(textOf(seen)).not.toBe("");
    expect(seen.map((e) => e.type)).not.toContain("response.completed");

    const id = (seen[0] as OpenAI.Responses.ResponseCreatedEvent).response.id;
    const rest = await read(
      await client.responses.retrieve(id, {
        stream: true,
        starting_after: seen.at(-1)!.sequence_number,
      }),
    );
    expect(rest.at(-1)!.type).toBe("response.completed");
    const final = await client.responses.retrieve(id);
    expect(textOf(seen) + textOf(rest)).toBe(final.output_text);
    expect(sim.calls()[0]).toMatchObject({ fault: "stall", outcome: "ok", streams: 2 });
  });

  it("refuses what OpenAI refuses: store false, cancelling or re-streaming a plain response, unknown ids", async () => {
    await expect(client.responses.create(body({ store: false }))).rejects.toMatchObject({
      status: 400,
      param: "background",
      message: expect.stringContaining("Background mode requires store=true."),
    });
    const plain = await plainly(LISTING);
    expect(plain.background).toBe(false);
    expect((await client.responses.retrieve(plain.id)).output_text).toBe(plain.output_text);
    const cancel = client.responses.cancel(plain.id);
    await expect(cancel).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(cancel).rejects.toMatchObject({
      message: expect.stringContaining(
        "Only responses created with background=true can be cancelled.",
      ),
    });
    await expect(client.responses.retrieve(plain.id, { stream: true })).rejects.toMatchObject({
      status: 400,
      param: "stream",
      message: expect.stringContaining("not created with background=true"),
    });

    const unstored = await client.responses.create({
      model: "gpt-4.1-mini",
      input: LISTING,
      store: false,
    });
    expect(unstored).toMatchObject({ store: false });
    for (const id of [unstored.id, "resp_nope"]) {
      const missing = client.responses.retrieve(id);
      await expect(missing).rejects.toBeInstanceOf(OpenAI.NotFoundError);
      await expect(missing).rejects.toMatchObject({
        message: expect.stringContaining(`Response with id '${id}' not found.`),
      });
    }
    await expect(client.responses.cancel("resp_nope")).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    // One entry per model request: the refused create, the plain one, the unstored one.
    expect(sim.calls().map((c) => [c.status, c.background])).toEqual([
      [400, true],
      [200, false],
      [200, false],
    ]);
    expect(sim.calls()[0].responseId).toBeUndefined();
  });

  it("forgets a response backgroundRetentionMs after it ends (404), and on admin reset", async () => {
    sim.setKnobs({ latencyMsPerToken: 0, backgroundRetentionMs: 300 });
    const created = await client.responses.create(body());
    expect((await settled(created.id)).status).toBe("completed");
    await eventually(
      () =>
        client.responses.retrieve(created.id).then(
          () => false,
          (e: unknown) => e instanceof OpenAI.NotFoundError,
        ),
      { timeoutMs: 10_000 },
    );
    await expect(client.responses.cancel(created.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    expect(sim.calls()).toHaveLength(1); // the bill stays

    sim.setKnobs({ latencyMsPerToken: 0 });
    const kept = await client.responses.create(body());
    await settled(kept.id);
    await client.post(admin("/__admin/reset"));
    await expect(client.responses.retrieve(kept.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('plays a provider without background mode when backgroundMode is "refused"', async () => {
    sim.setKnobs({ latencyMsPerToken: 0, backgroundMode: "refused" });
    const refused = client.responses.create(body());
    await expect(refused).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(refused).rejects.toMatchObject({
      message: expect.stringContaining("Unrecognized request argument supplied: background"),
      param: null,
      code: null,
    });
    const plain = await plainly(LISTING);
    expect((await client.responses.retrieve(plain.id)).status).toBe("completed");
    await expect(client.responses.cancel(plain.id)).rejects.toMatchObject({
      status: 404,
      message: expect.stringContaining("Invalid URL"),
    });
    await expect(client.responses.retrieve(plain.id, { stream: true })).rejects.toBeInstanceOf(
      OpenAI.NotFoundError,
    );
  });

  it("attributes billed tokens to jobs and steps by metadata (GET /__admin/usage)", async () => {
    sim.setKnobs({ latencyMsPerToken: 1 });
    const a1 = await client.responses.create({
      model: "gpt-4.1-mini",
      input: LISTING,
      metadata: { job_id: "A", step: "analyze" },
    });
    const a2 = await settled(
      (await client.responses.create(body({ metadata: { job_id: "A", step: "synthesize" } }))).id,
    );
    await read(await client.responses.retrieve(a2.id, { stream: true })); // streamed again: no new bill
    const b = await client.responses.create({
      model: "gpt-5-mini",
      input: LISTING,
      metadata: { job_id: "B", step: "analyze" },
    });
    const none = await client.responses.create({ model: "gpt-4.1-mini", input: LISTING });
    sim.setKnobs({ failNext: [{ kind: "429", count: 1 }] });
    await expect(
      client.responses.create({ model: "gpt-4.1-mini", input: "x", metadata: { job_id: "A" } }),
    ).rejects.toBeInstanceOf(OpenAI.RateLimitError);

    const billed = (r: OpenAI.Responses.Response) => r.usage!.total_tokens;
    const usage = await client.get<unknown>(admin("/__admin/usage"));
    expect(usage).toEqual(sim.usage());
    expect(usage).toEqual({
      total: {
        calls: 4,
        inputTokens: [a1, a2, b, none].reduce((n, r) => n + r.usage!.input_tokens, 0),
        outputTokens: [a1, a2, b, none].reduce((n, r) => n + r.usage!.output_tokens, 0),
        billedTokens: billed(a1) + billed(a2) + billed(b) + billed(none),
      },
      jobs: {
        A: {
          calls: 2,
          billedTokens: billed(a1) + billed(a2),
          steps: {
            analyze: { calls: 1, billedTokens: billed(a1) },
            synthesize: { calls: 1, billedTokens: billed(a2) },
          },
        },
        B: {
          calls: 1,
          billedTokens: billed(b),
          steps: { analyze: { calls: 1, billedTokens: billed(b) } },
        },
        "(none)": {
          calls: 1,
          billedTokens: billed(none),
          steps: { "(none)": { calls: 1, billedTokens: billed(none) } },
        },
      },
    });
  });

  it("stops background generation when the simulator stops (no timers left running)", async () => {
    const own = await startOpenAISimulator({ port: 0, knobs: { latencyMsPerToken: 50 } });
    const c = new OpenAI({ apiKey: "x", baseURL: own.url, maxRetries: 0 });
    await c.responses.create(body());
    await eventually(() => own.calls()[0].outputTokens > 0);
    await own.stop();
    const at = own.calls()[0].outputTokens;
    await new Promise((r) => setTimeout(r, 300));
    expect(own.calls()[0].outputTokens).toBe(at);
    expect(own.calls()[0].endedAt).toBeUndefined();
  });
});
