import OpenAI from "openai";
import { zodResponseFormat, zodTextFormat } from "openai/helpers/zod";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { startOpenAISimulator, type OpenAISimulator } from "../../../dev/openai/index.ts";
import { eventually } from "../../helpers/eventually.ts";

let sim: OpenAISimulator;
let client: OpenAI;
beforeAll(async () => {
  sim = await startOpenAISimulator({ port: 0, apiKey: "sim-key", knobs: { latencyMsPerToken: 0 } });
  client = new OpenAI({ apiKey: "sim-key", baseURL: sim.url, maxRetries: 0 });
});
afterAll(async () => sim?.stop());
beforeEach(() => {
  sim.setKnobs({ latencyMsPerToken: 0 });
  sim.resetCalls();
});

const Report = z.object({
  summary: z.string(),
  score: z.number().int().min(0).max(10),
  verdict: z.enum(["buy", "hold", "pass"]),
  risks: z.array(z.object({ area: z.string(), severity: z.enum(["low", "high"]) })).min(2).max(4),
  note: z.string().nullable(),
});

describe("OpenAI simulator, through the openai SDK", () => {
  it("answers chat completions, plain and streamed, labelled as simulated, with usage", async () => {
    const res = await client.chat.completions.create({ model: "gpt-5-mini", messages: [{ role: "user", content: "A bakery with three shops and a wedding-cake business." }] });
    expect(res.choices[0].message.content).toMatch(/^\[simulated\] /);
    expect(res.system_fingerprint).toBe("tabsafe-simulator");
    expect(res.usage?.prompt_tokens).toBeGreaterThan(0);
    const stream = await client.chat.completions.create({ model: "gpt-5-mini", messages: [{ role: "user", content: "A bakery with three shops and a wedding-cake business." }], stream: true, stream_options: { include_usage: true } });
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe(res.choices[0].message.content);
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it("answers the Responses API, plain and streamed (raw events and the stream helper)", async () => {
    const res = await client.responses.create({ model: "gpt-5-mini", instructions: "Summarise.", input: "Coffee roaster on a harbour corner with wholesale accounts." });
    expect(res.output_text).toMatch(/^\[simulated\] /);
    expect(res.usage?.output_tokens).toBeGreaterThan(0);
    const events = await client.responses.create({ model: "gpt-5-mini", instructions: "Summarise.", input: "Coffee roaster on a harbour corner with wholesale accounts.", stream: true });
    let text = "";
    const types = new Set<string>();
    for await (const e of events) {
      types.add(e.type);
      if (e.type === "response.output_text.delta") text += e.delta;
    }
    expect(text).toBe(res.output_text);
    expect([...types]).toEqual(expect.arrayContaining(["response.created", "response.output_text.delta", "response.completed"]));
    const final = await client.responses.stream({ model: "gpt-5-mini", input: "Coffee roaster on a harbour corner with wholesale accounts." }).finalResponse();
    expect(final.output_text).toMatch(/^\[simulated\] /);
  });

  it("gives schema-valid structured output for nested zod schemas, deterministically", async () => {
    const input = "Outdoor gear shop near a national park with ski rentals and a repair workshop.";
    const a = await client.responses.parse({ model: "gpt-5-mini", input, text: { format: zodTextFormat(Report, "report") } });
    expect(Report.safeParse(a.output_parsed).success).toBe(true);
    const b = await client.responses.parse({ model: "gpt-5-mini", input, text: { format: zodTextFormat(Report, "report") } });
    expect(b.output_parsed).toEqual(a.output_parsed);
    const other = await client.responses.parse({ model: "gpt-5-mini", input: `${input} Also a café.`, text: { format: zodTextFormat(Report, "report") } });
    expect(other.output_parsed).not.toEqual(a.output_parsed);
    const chat = await client.chat.completions.parse({ model: "gpt-5-mini", messages: [{ role: "user", content: input }], response_format: zodResponseFormat(Report, "report") });
    expect(Report.safeParse(chat.choices[0].message.parsed).success).toBe(true);
    expect(a.output_parsed?.summary).toMatch(/^\[sim\] /);
  });

  it("fails with 429 + retry-after (RateLimitError), and the SDK's own retry recovers", async () => {
    sim.setKnobs({ latencyMsPerToken: 0, retryAfterSeconds: 0, failNext: [{ kind: "429", count: 1 }] });
    const error = await client.responses.create({ model: "gpt-5-mini", input: "x" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers.get("retry-after")).toBe("0");
    sim.setKnobs({ latencyMsPerToken: 0, retryAfterSeconds: 0, failNext: [{ kind: "429", count: 1 }] });
    sim.resetCalls();
    const retrying = new OpenAI({ apiKey: "sim-key", baseURL: sim.url, maxRetries: 2 });
    await expect(retrying.responses.create({ model: "gpt-5-mini", input: "x" })).resolves.toMatchObject({ status: "completed" });
    expect(sim.calls().map((c) => c.status)).toEqual([429, 200]);
  });

  it("fails with 500, 400 and a content-policy refusal as the SDK's error classes", async () => {
    sim.setKnobs({ failNext: [{ kind: "500", count: 1 }, { kind: "400", count: 1 }, { kind: "content_filter", count: 1 }] });
    await expect(client.responses.create({ model: "m", input: "x" })).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    await expect(client.responses.create({ model: "m", input: "x" })).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(client.responses.create({ model: "m", input: "x" })).rejects.toMatchObject({ code: "content_policy_violation" });
    await expect(new OpenAI({ apiKey: "wrong", baseURL: sim.url, maxRetries: 0 }).models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it("records a stream the client aborts as aborted", async () => {
    sim.setKnobs({ latencyMsPerToken: 20 });
    const controller = new AbortController();
    const stream = await client.responses.create({ model: "m", input: "A long listing ".repeat(200), stream: true, metadata: { job_id: "j1" } }, { signal: controller.signal });
    const read = (async () => {
      for await (const e of stream) if (e.type === "response.output_text.delta") controller.abort();
    })();
    await read.catch(() => {}); // the SDK ends the iteration quietly (or throws) on abort
    expect(controller.signal.aborted).toBe(true);
    const call = await eventually(() => sim.calls().find((c) => c.metadata?.job_id === "j1" && c.endedAt));
    expect(call.outcome).toBe("aborted");
  });

  it("stalls a stream until the client gives up, and can break structured output", async () => {
    sim.setKnobs({ failNext: [{ kind: "stall", count: 1 }] });
    const impatient = new OpenAI({ apiKey: "sim-key", baseURL: sim.url, maxRetries: 0, timeout: 300 });
    await expect(impatient.responses.create({ model: "m", input: "x" })).rejects.toThrow();
    await eventually(() => sim.calls().find((c) => c.outcome === "stalled"));
    sim.setKnobs({ failNext: [{ kind: "invalid_json", count: 1 }] });
    await expect(client.responses.parse({ model: "m", input: "x", text: { format: zodTextFormat(Report, "report") } })).rejects.toThrow();
  });

  it("paces tokens by the latency knob", async () => {
    const timed = async (latencyMsPerToken: number) => {
      sim.setKnobs({ latencyMsPerToken });
      const t = performance.now();
      const stream = await client.responses.create({ model: "m", input: "Harbour café ".repeat(60), stream: true });
      for await (const _ of stream) void _;
      return performance.now() - t;
    };
    const fast = await timed(0);
    const slow = await timed(5);
    expect(slow).toBeGreaterThan(fast * 3);
  });
});
