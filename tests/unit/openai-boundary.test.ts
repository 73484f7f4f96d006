import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";

// The app's OpenAI client reads its base URL from the environment on first use.
Object.assign(process.env, {
  UPSTASH_REDIS_REST_URL: "http://127.0.0.1:1",
  UPSTASH_REDIS_REST_TOKEN: "t",
  QSTASH_URL: "http://127.0.0.1:1",
  QSTASH_TOKEN: "t",
  QSTASH_CURRENT_SIGNING_KEY: "k1",
  QSTASH_NEXT_SIGNING_KEY: "k2",
  OPENAI_API_KEY: "test-key",
  OPENAI_BASE_URL: "https://openai.test/v1",
  APP_BASE_URL: "http://localhost:3000",
  SESSION_SECRET: "unit-test-secret-123",
});
const { streamResponse } = await import("@/lib/openai/stream");
const { classify } = await import("@/lib/telemetry/classify");

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const sse = (events: object[]) =>
  new HttpResponse(
    events
      .map((e) => `event: ${(e as { type: string }).type}\ndata: ${JSON.stringify(e)}\n\n`)
      .join(""),
    { headers: { "content-type": "text/event-stream" } },
  );

const completed = (usage = { input_tokens: 12, output_tokens: 3, total_tokens: 15 }) => ({
  type: "response.completed",
  sequence_number: 9,
  response: {
    id: "resp_1",
    object: "response",
    status: "completed",
    output: [],
    usage: {
      ...usage,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens_details: { reasoning_tokens: 0 },
    },
  },
});
const delta = (text: string, n: number) => ({
  type: "response.output_text.delta",
  sequence_number: n,
  item_id: "m1",
  output_index: 0,
  content_index: 0,
  delta: text,
  logprobs: [],
});

const call = (overrides: Partial<Parameters<typeof streamResponse>[0]> = {}) => {
  const deltas: string[] = [];
  const promise = streamResponse({
    instructions: "i",
    input: "listing",
    signal: new AbortController().signal,
    onDelta: (d) => deltas.push(d),
    metadata: { job_id: "j", step: "analyze:0" },
    ...overrides,
  });
  return { promise, deltas };
};

describe("streamResponse at the OpenAI HTTP boundary", () => {
  it("streams text deltas, returns the full text and the token usage, and sends the structured format", async () => {
    let sent: Record<string, unknown> = {};
    server.use(
      http.post("https://openai.test/v1/responses", async ({ request }) => {
        sent = (await request.json()) as Record<string, unknown>;
        return sse([delta('{"a":', 1), delta("1}", 2), completed()]);
      }),
    );
    const { promise, deltas } = call({
      format: { name: "demo", schema: z.object({ a: z.number() }) },
    });
    await expect(promise).resolves.toEqual({
      text: '{"a":1}',
      usage: { inputTokens: 12, outputTokens: 3 },
    });
    expect(deltas).toEqual(['{"a":', "1}"]);
    expect(sent).toMatchObject({
      stream: true,
      metadata: { job_id: "j", step: "analyze:0" },
      text: { format: { type: "json_schema", name: "demo", strict: true } },
    });
  });

  it("turns a failed response inside a 200 stream into an error", async () => {
    server.use(
      http.post("https://openai.test/v1/responses", () =>
        sse([
          {
            type: "response.failed",
            sequence_number: 1,
            response: {
              id: "r",
              status: "failed",
              output: [],
              error: { code: "server_error", message: "boom" },
            },
          },
        ]),
      ),
    );
    await expect(call().promise).rejects.toThrow(/boom/);
  });
});

describe("classify: which failures QStash should retry", () => {
  const failWith = (status: number, body: object, headers: Record<string, string> = {}) =>
    server.use(
      http.post("https://openai.test/v1/responses", () =>
        HttpResponse.json(body, { status, headers }),
      ),
    );
  const classified = async () => classify(await call().promise.catch((e: unknown) => e));

  it("429 is retryable and honours retry-after", async () => {
    failWith(
      429,
      { error: { message: "slow down", type: "rate_limit_error", code: "rate_limit_exceeded" } },
      { "retry-after": "7" },
    );
    expect(await classified()).toEqual({
      error: expect.objectContaining({
        code: "openai_rate_limited",
        category: "AI_PROVIDER",
        retryable: true,
      }),
      retryAfterS: 7,
    });
  });

  it("5xx is retryable", async () => {
    failWith(502, { error: { message: "bad gateway" } });
    expect((await classified()).error).toMatchObject({
      code: "openai_server_error",
      retryable: true,
    });
  });

  it("400 is not retryable; a content-policy refusal says so", async () => {
    failWith(400, { error: { message: "invalid schema", type: "invalid_request_error" } });
    expect((await classified()).error).toMatchObject({
      code: "openai_bad_request",
      retryable: false,
    });
    failWith(400, {
      error: { message: "flagged by our safety system", code: "content_policy_violation" },
    });
    expect((await classified()).error).toMatchObject({ code: "content_policy", retryable: false });
  });

  it("a wrong API key is an AUTH failure, not retried, and its message does not leak the key", async () => {
    failWith(401, { error: { message: "Incorrect API key provided: test-key" } });
    const { error } = await classified();
    expect(error).toMatchObject({ code: "openai_auth", category: "AUTH", retryable: false });
    expect(error.message).not.toContain("test-key");
  });

  it("a network failure is retryable", async () => {
    server.use(http.post("https://openai.test/v1/responses", () => HttpResponse.error()));
    expect((await classified()).error).toMatchObject({ category: "NETWORK", retryable: true });
  });
});
