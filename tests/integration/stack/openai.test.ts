import OpenAI from "openai";
import { LengthFinishReasonError } from "openai/core/error";
import { zodResponseFormat, zodTextFormat } from "openai/helpers/zod";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { startOpenAISimulator, type OpenAISimulator } from "../../../dev/openai/index.ts";
import { eventually } from "../../helpers/eventually.ts";

/** The simulator, driven only through the official openai SDK (and zod + openai/helpers/zod). */
let sim: OpenAISimulator;
let client: OpenAI;
let admin: (path: string) => string;
beforeAll(async () => {
  sim = await startOpenAISimulator({ port: 0, apiKey: "sim-key", knobs: { latencyMsPerToken: 0 } });
  client = new OpenAI({ apiKey: "sim-key", baseURL: sim.url, maxRetries: 0 });
  admin = (path) => new URL(path, sim.url).href;
});
afterAll(async () => sim?.stop());
beforeEach(() => {
  sim.setKnobs({ latencyMsPerToken: 0 });
  sim.resetCalls();
});

const LISTING =
  "Harbour coffee roaster with twelve wholesale accounts, a corner café and a roasting school. Revenue grows 8% a year; the roaster is ten years old.";
const listing = (n: number) => `${LISTING} Listing variant ${n}: ${"seasonal ".repeat(n)}menu.`;

const Analysis = z.object({
  summary: z.string(),
  verdict: z.enum(["pursue", "investigate", "pass"]),
  score: z.number().int().min(0).max(100),
  confidence: z.number().gt(0).lt(1),
  valuation: z.object({
    askingPrice: z.number().positive(),
    multiple: z.number().min(0.5).max(8).nullable(),
    currency: z.literal("EUR"),
  }),
  risks: z
    .array(
      z.object({
        area: z.string(),
        severity: z.enum(["low", "medium", "high"]),
        mitigation: z.string().optional().nullable(),
      }),
    )
    .min(2)
    .max(4),
  tags: z.array(z.string().max(24)).max(5),
  reviewedAt: z.iso.datetime(),
  contact: z.email().nullable(),
});

describe("the OpenAI simulator, through the openai SDK", () => {
  it("says it is a simulator: model owner, response header, request id and answer text", async () => {
    const models = await client.models.list();
    expect(models.data.length).toBeGreaterThan(0);
    expect(models.data.every((m) => m.owned_by === "tabsafe-simulator")).toBe(true);
    const { data, response, request_id } = await client.responses
      .create({ model: "gpt-4.1-mini", input: LISTING })
      .withResponse();
    expect(response.headers.get("x-tabsafe-simulator")).toBe("1");
    expect(request_id).toMatch(/^req_sim_/);
    expect(data.output_text).toMatch(/^\[simulated\] .*(harbour|coffee|roaster)/);
  });

  it("answers chat completions plainly, streamed and through the stream helper, with the same text and usage", async () => {
    const body = {
      model: "gpt-4.1-mini",
      messages: [
        { role: "system" as const, content: "Summarise." },
        { role: "user" as const, content: LISTING },
      ],
      metadata: { job_id: "chat-1" },
    };
    const plain = await client.chat.completions.create(body);
    const text = plain.choices[0].message.content ?? "";
    expect(text).toMatch(/^\[simulated\] /);
    expect(plain.system_fingerprint).toBe("tabsafe-simulator");
    expect(plain.choices[0].finish_reason).toBe("stop");
    expect(plain.usage).toMatchObject({
      prompt_tokens: expect.any(Number),
      completion_tokens: expect.any(Number),
    });
    expect(plain.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(plain.usage!.total_tokens).toBe(
      plain.usage!.prompt_tokens + plain.usage!.completion_tokens,
    );

    const stream = await client.chat.completions.create({
      ...body,
      stream: true,
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta?.content) deltas.push(chunk.choices[0].delta.content);
      usage = chunk.usage ?? usage;
    }
    expect(deltas.length).toBeGreaterThan(10); // token by token, not one blob
    expect(deltas.join("")).toBe(text);
    expect(usage).toEqual(plain.usage);

    let helperText = "";
    const final = await client.chat.completions
      .stream(body)
      .on("content", (delta) => (helperText += delta))
      .finalChatCompletion();
    expect(helperText).toBe(text);
    expect(final.choices[0].message.content).toBe(text);
    expect(sim.calls().map((c) => [c.endpoint, c.stream, c.metadata?.job_id])).toEqual([
      ["chat.completions", false, "chat-1"],
      ["chat.completions", true, "chat-1"],
      ["chat.completions", true, "chat-1"],
    ]);
  });

  it("answers the Responses API plainly and streamed, with events in OpenAI's order", async () => {
    const body = { model: "gpt-4.1-mini", instructions: "Summarise for a buyer.", input: LISTING };
    const plain = await client.responses.create(body);
    expect(plain.status).toBe("completed");
    expect(plain.usage!.input_tokens).toBeGreaterThan(0);
    expect(plain.usage!.total_tokens).toBe(plain.usage!.input_tokens + plain.usage!.output_tokens);

    const events = await client.responses.create({ ...body, stream: true });
    const seen: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const e of events) seen.push(e);
    const types = seen.map((e) => e.type).filter((t, i, all) => t !== all[i - 1]);
    expect(types).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(seen.map((e) => e.sequence_number)).toEqual(seen.map((_, i) => i));
    const text = seen
      .flatMap((e) => (e.type === "response.output_text.delta" ? [e.delta] : []))
      .join("");
    expect(text).toBe(plain.output_text);
    const completed = seen.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
    expect(completed.response.usage).toEqual(plain.usage);

    let helperText = "";
    const final = await client.responses
      .stream(body)
      .on("response.output_text.delta", (e) => (helperText += e.delta))
      .finalResponse();
    expect(helperText).toBe(plain.output_text);
    expect(final.output_text).toBe(plain.output_text);
  });

  it("puts a reasoning item before the message for reasoning models, as OpenAI does", async () => {
    const res = await client.responses.create({ model: "gpt-5-mini", input: LISTING });
    expect(res.output.map((o) => o.type)).toEqual(["reasoning", "message"]);
    expect(res.usage!.output_tokens_details.reasoning_tokens).toBeGreaterThan(0);
    const streamed = await client.responses
      .stream({ model: "gpt-5-mini", input: LISTING })
      .finalResponse();
    expect(streamed.output_text).toBe(res.output_text);
  });

  it("gives schema-valid structured output for a nested zod schema, via parse and stream, on both APIs", async () => {
    for (let n = 0; n < 6; n++) {
      const parsed = await client.responses.parse({
        model: "gpt-4.1-mini",
        input: listing(n),
        text: { format: zodTextFormat(Analysis, "analysis") },
      });
      expect(Analysis.parse(parsed.output_parsed)).toEqual(parsed.output_parsed);
      expect(parsed.output_parsed!.summary).toMatch(/^\[sim\] /);
      const chat = await client.chat.completions.parse({
        model: "gpt-4.1-mini",
        messages: [{ role: "user", content: listing(n) }],
        response_format: zodResponseFormat(Analysis, "analysis"),
      });
      expect(Analysis.safeParse(chat.choices[0].message.parsed).success).toBe(true);
    }
    const streamed = await client.responses
      .stream({
        model: "gpt-5-mini",
        input: LISTING,
        text: { format: zodTextFormat(Analysis, "analysis") },
      })
      .finalResponse();
    expect(Analysis.safeParse(streamed.output_parsed).success).toBe(true);
    const chatStreamed = await client.chat.completions
      .stream({
        model: "gpt-5-mini",
        messages: [{ role: "user", content: LISTING }],
        response_format: zodResponseFormat(Analysis, "analysis"),
      })
      .finalChatCompletion();
    expect(Analysis.safeParse(chatStreamed.choices[0].message.parsed).success).toBe(true);
    const jsonMode = await client.chat.completions.create({
      model: "gpt-4.1-mini",
      messages: [
        { role: "system", content: "Answer in JSON." },
        { role: "user", content: LISTING },
      ],
      response_format: { type: "json_object" },
    });
    expect(JSON.parse(jsonMode.choices[0].message.content ?? "")).toBeTypeOf("object");
    expect(sim.calls().every((c) => c.structured && c.status === 200)).toBe(true);
  });

  it("is deterministic: the same input gets the same answer, a different input or seed another", async () => {
    const ask = (input: string) =>
      client.responses
        .parse({
          model: "gpt-4.1-mini",
          input,
          text: { format: zodTextFormat(Analysis, "analysis") },
        })
        .then((r) => r.output_parsed);
    const chat = (content: string) =>
      client.chat.completions
        .create({ model: "gpt-4.1-mini", messages: [{ role: "user", content }] })
        .then((r) => r.choices[0].message.content);
    const first = await ask(LISTING);
    expect(await ask(LISTING)).toEqual(first);
    expect(await ask(listing(1))).not.toEqual(first);
    expect(await chat(LISTING)).toBe(await chat(LISTING));
    expect(await chat(LISTING)).not.toBe(await chat(listing(1)));
    sim.setKnobs({ latencyMsPerToken: 0, seed: 7 });
    expect(await ask(LISTING)).not.toEqual(first);
    const hashes = sim.calls().map((c) => c.inputHash);
    expect(hashes[0]).toBe(hashes[1]);
    expect(hashes[0]).not.toBe(hashes[2]);
  });

  it("refuses what OpenAI refuses: a wrong key (401), a malformed request and a schema strict mode rejects (400)", async () => {
    const stranger = new OpenAI({ apiKey: "wrong", baseURL: sim.url, maxRetries: 0 });
    await expect(stranger.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(
      client.chat.completions.create({ model: "gpt-4.1-mini", messages: [] }),
    ).rejects.toMatchObject({ status: 400, param: "messages" });
    const loose = { type: "object", properties: { a: { type: "string" } }, required: ["a"] };
    const refused = client.responses.create({
      model: "gpt-4.1-mini",
      input: "x",
      text: { format: { type: "json_schema", name: "loose", strict: true, schema: loose } },
    });
    await expect(refused).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(refused).rejects.toMatchObject({
      code: "invalid_json_schema",
      message: expect.stringContaining("additionalProperties"),
    });
    const noJsonWord = client.responses.create({
      model: "gpt-4.1-mini",
      input: LISTING,
      text: { format: { type: "json_object" } },
    });
    await expect(noJsonWord).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining("'json'"),
    });
    expect(sim.calls().map((c) => c.status)).toEqual([400, 400, 400]);
  });

  it("fails with 429 and retry-after (RateLimitError), and the SDK's own retry recovers", async () => {
    sim.setKnobs({
      latencyMsPerToken: 0,
      retryAfterSeconds: 0,
      failNext: [{ kind: "429", count: 1 }],
    });
    const error = await client.responses
      .create({ model: "gpt-4.1-mini", input: "x" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimited = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimited.code).toBe("rate_limit_exceeded");
    expect(rateLimited.headers.get("retry-after")).toBe("0");
    expect(rateLimited.headers.get("retry-after-ms")).toBe("0");

    sim.setKnobs({
      latencyMsPerToken: 0,
      retryAfterSeconds: 0,
      failNext: [{ kind: "429", count: 1 }],
    });
    sim.resetCalls();
    const patient = new OpenAI({ apiKey: "sim-key", baseURL: sim.url });
    await expect(
      patient.responses.create({ model: "gpt-4.1-mini", input: "x" }),
    ).resolves.toMatchObject({ status: "completed" });
    expect(sim.calls().map((c) => [c.status, c.outcome, c.fault])).toEqual([
      [429, "error", "429"],
      [200, "ok", undefined],
    ]);
  });

  it("fails with 500 (InternalServerError), and with non-retryable 400s the SDK does not retry", async () => {
    sim.setKnobs({ failNext: [{ kind: "500", count: 1 }] });
    await expect(
      client.responses.create({ model: "gpt-4.1-mini", input: "x" }),
    ).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    sim.setKnobs({
      failNext: [
        { kind: "400", count: 1 },
        { kind: "content_filter", count: 1 },
      ],
    });
    sim.resetCalls();
    const patient = new OpenAI({ apiKey: "sim-key", baseURL: sim.url, maxRetries: 2 });
    await expect(
      patient.responses.create({ model: "gpt-4.1-mini", input: "x" }),
    ).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(
      patient.chat.completions.create({
        model: "gpt-4.1-mini",
        messages: [{ role: "user", content: "x" }],
      }),
    ).rejects.toMatchObject({ status: 400, code: "content_policy_violation" });
    expect(sim.calls().map((c) => c.fault)).toEqual(["400", "content_filter"]);
  });

  it("records a stream the client aborts as aborted, and stops generating", async () => {
    sim.setKnobs({ latencyMsPerToken: 20 });
    const controller = new AbortController();
    const stream = await client.responses.create(
      {
        model: "gpt-4.1-mini",
        input: LISTING.repeat(10),
        stream: true,
        metadata: { job_id: "j1" },
      },
      { signal: controller.signal },
    );
    let deltas = 0;
    await (async () => {
      for await (const e of stream)
        if (e.type === "response.output_text.delta" && ++deltas === 3) controller.abort();
    })().catch(() => {}); // the SDK ends the iteration quietly (or throws) on abort
    const call = await eventually(() =>
      sim.calls().find((c) => c.metadata?.job_id === "j1" && c.endedAt),
    );
    expect(call.outcome).toBe("aborted");
    expect(call.outputTokens).toBeGreaterThanOrEqual(3);
    expect(call.outputTokens).toBeLessThan(40); // it stopped, instead of writing the remaining tokens into the void
  });

  it("stalls: a plain request until the SDK times out, a stream until the client gives up; both recorded", async () => {
    sim.setKnobs({ latencyMsPerToken: 0, failNext: [{ kind: "stall", count: 2 }] });
    const impatient = new OpenAI({
      apiKey: "sim-key",
      baseURL: sim.url,
      maxRetries: 0,
      timeout: 300,
    });
    await expect(
      impatient.responses.create({ model: "gpt-4.1-mini", input: "x" }),
    ).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);

    // The SDK's timeout ends at the headers; a stalled stream needs the app's own idle watchdog.
    const controller = new AbortController();
    const stream = await client.responses.create(
      { model: "gpt-4.1-mini", input: LISTING, stream: true },
      { signal: controller.signal },
    );
    let watchdog = setTimeout(() => controller.abort(), 300);
    const types: string[] = [];
    await (async () => {
      for await (const e of stream) {
        types.push(e.type);
        clearTimeout(watchdog);
        watchdog = setTimeout(() => controller.abort(), 300);
      }
    })().catch(() => {});
    clearTimeout(watchdog);
    expect(types).toContain("response.created");
    expect(types).not.toContain("response.completed");
    await eventually(() => sim.calls().filter((c) => c.outcome === "stalled").length === 2);
  });

  it("breaks structured output on request (HTTP 200, invalid JSON), so parse throws; plain requests keep the fault queued", async () => {
    sim.setKnobs({ latencyMsPerToken: 0, failNext: [{ kind: "invalid_json", count: 2 }] });
    await client.responses.create({ model: "gpt-4.1-mini", input: "plain text is not affected" });
    const format = zodTextFormat(Analysis, "analysis");
    await expect(
      client.responses.parse({ model: "gpt-4.1-mini", input: LISTING, text: { format } }),
    ).rejects.toThrow();
    await expect(
      client.chat.completions.parse({
        model: "gpt-4.1-mini",
        messages: [{ role: "user", content: LISTING }],
        response_format: zodResponseFormat(Analysis, "analysis"),
      }),
    ).rejects.toThrow();
    await expect(
      client.responses.parse({ model: "gpt-4.1-mini", input: LISTING, text: { format } }),
    ).resolves.toMatchObject({ status: "completed" });
    expect(sim.calls().map((c) => [c.status, c.fault])).toEqual([
      [200, undefined],
      [200, "invalid_json"],
      [200, "invalid_json"],
      [200, undefined],
    ]);
  });

  it("cuts answers at max_output_tokens: an incomplete response, finish_reason length", async () => {
    const res = await client.responses.create({
      model: "gpt-4.1-mini",
      input: LISTING,
      max_output_tokens: 16,
    });
    expect(res).toMatchObject({
      status: "incomplete",
      incomplete_details: { reason: "max_output_tokens" },
    });
    expect(res.usage!.output_tokens).toBeLessThanOrEqual(16);
    const chat = await client.chat.completions.create({
      model: "gpt-4.1-mini",
      messages: [{ role: "user", content: LISTING }],
      max_completion_tokens: 16,
    });
    expect(chat.choices[0].finish_reason).toBe("length");
    const parse = client.chat.completions.parse({
      model: "gpt-4.1-mini",
      messages: [{ role: "user", content: LISTING }],
      max_completion_tokens: 16,
      response_format: zodResponseFormat(Analysis, "analysis"),
    });
    await expect(parse).rejects.toBeInstanceOf(LengthFinishReasonError);
  });

  it("paces tokens by latencyMsPerToken and firstTokenMs", async () => {
    const timed = async (knobs: { latencyMsPerToken: number; firstTokenMs?: number }) => {
      sim.setKnobs(knobs);
      const t = performance.now();
      let first = 0;
      const stream = await client.responses.create({
        model: "gpt-4.1-mini",
        input: "Harbour café with a terrace.",
        stream: true,
      });
      for await (const e of stream)
        if (e.type === "response.output_text.delta" && !first) first = performance.now() - t;
      return { total: performance.now() - t, first };
    };
    const fast = await timed({ latencyMsPerToken: 0 });
    const slow = await timed({ latencyMsPerToken: 20 });
    expect(slow.total).toBeGreaterThan(fast.total * 3);
    expect(slow.total).toBeGreaterThan(40 * 20 * 0.8); // at least 40 tokens, 20 ms each
    const late = await timed({ latencyMsPerToken: 0, firstTokenMs: 300 });
    expect(late.first).toBeGreaterThanOrEqual(250);
  });

  it("has admin routes for knobs and calls", async () => {
    await client.post(admin("/__admin/knobs"), { body: { failNext: [{ kind: "500", count: 1 }] } });
    await expect(
      client.responses.create({ model: "gpt-4.1-mini", input: "x" }),
    ).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    const { calls } = await client.get<{ calls: Array<{ status: number }> }>(
      admin("/__admin/calls"),
    );
    expect(calls.map((c) => c.status)).toEqual([500]);
    await expect(
      client.post(admin("/__admin/knobs"), { body: { latencyMsPerTokens: 5 } }),
    ).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await client.post(admin("/__admin/reset"));
    expect(sim.calls()).toEqual([]);
  });
});
