import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

// The app's OpenAI client reads its base URL (and OPENAI_BACKGROUND) from the environment on first use.
const ENV = {
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
};

/** Fresh modules with OPENAI_BACKGROUND=`mode`: the env, the client and what the process learned. */
async function load(mode: "auto" | "on" | "off") {
  vi.resetModules();
  Object.assign(process.env, ENV, { OPENAI_BACKGROUND: mode });
  const stream = await import("@/lib/openai/stream");
  const background = await import("@/lib/openai/background");
  return { ...stream, ...background };
}

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => {
  server.close();
  delete process.env.OPENAI_BACKGROUND;
});

const sse = (events: object[]) =>
  new HttpResponse(
    events
      .map((e) => `event: ${(e as { type: string }).type}\ndata: ${JSON.stringify(e)}\n\n`)
      .join(""),
    { headers: { "content-type": "text/event-stream" } },
  );

const response = (status: string, text = "", extra: object = {}) => ({
  id: "resp_bg",
  object: "response",
  status,
  background: true,
  output: text
    ? [
        {
          type: "message",
          id: "msg_1",
          status: "completed",
          role: "assistant",
          content: [{ type: "output_text", text, annotations: [] }],
        },
      ]
    : [],
  usage:
    status === "completed"
      ? {
          input_tokens: 20,
          output_tokens: 6,
          total_tokens: 26,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens_details: { reasoning_tokens: 0 },
        }
      : null,
  ...extra,
});
const created = (n = 0) => ({
  type: "response.created",
  sequence_number: n,
  response: response("queued"),
});
const delta = (text: string, n: number) => ({
  type: "response.output_text.delta",
  sequence_number: n,
  item_id: "msg_1",
  output_index: 0,
  content_index: 0,
  delta: text,
  logprobs: [],
});
const completed = (text: string, n: number, background = true) => ({
  type: "response.completed",
  sequence_number: n,
  response: response("completed", text, { background }),
});

type Loaded = Awaited<ReturnType<typeof load>>;
function call(m: Loaded, extra: Partial<Parameters<Loaded["streamResponse"]>[0]> = {}) {
  const cursors: Array<{ id: string; seq: number }> = [];
  const deltas: string[] = [];
  const promise = m.streamResponse({
    instructions: "i",
    input: "text",
    signal: new AbortController().signal,
    onDelta: (d) => deltas.push(d),
    onCursor: (c) => cursors.push(c),
    metadata: { job_id: "j", step: "analyze:0" },
    ...extra,
  });
  return { promise, cursors, deltas };
}

describe("model calls as background responses (OPENAI_BACKGROUND=auto)", () => {
  let m: Loaded;
  beforeEach(async () => {
    m = await load("auto");
  });

  it("asks for a stored background response and reports its cursor as the stream moves", async () => {
    let sent: Record<string, unknown> = {};
    server.use(
      http.post("https://openai.test/v1/responses", async ({ request }) => {
        sent = (await request.json()) as Record<string, unknown>;
        return sse([created(0), delta("Hel", 1), delta("lo", 2), completed("Hello", 3)]);
      }),
    );
    const { promise, cursors, deltas } = call(m);
    await expect(promise).resolves.toEqual({
      text: "Hello",
      usage: { inputTokens: 20, outputTokens: 6 },
    });
    expect(sent).toMatchObject({ background: true, store: true, stream: true });
    expect(deltas).toEqual(["Hel", "lo"]);
    expect(cursors.map((c) => c.seq)).toEqual([0, 1, 2, 3]);
    expect(cursors.every((c) => c.id === "resp_bg")).toBe(true);
    expect(m.backgroundCapability()).toMatchObject({ mode: "auto", provider: "supported" });
  });

  it("resumes a response from a sequence number: no new request, the text is the response's own", async () => {
    const asked: string[] = [];
    server.use(
      http.post("https://openai.test/v1/responses", () => {
        asked.push("create");
        return HttpResponse.json({}, { status: 500 });
      }),
      http.get("https://openai.test/v1/responses/resp_bg", ({ request }) => {
        const q = new URL(request.url).searchParams;
        asked.push(`retrieve stream=${q.get("stream")} after=${q.get("starting_after")}`);
        return sse([delta("world", 8), completed("Hello world", 9)]);
      }),
    );
    const { promise, deltas, cursors } = call(m, { resume: { id: "resp_bg", seq: 7 } });
    await expect(promise).resolves.toMatchObject({ text: "Hello world" });
    expect(asked).toEqual(["retrieve stream=true after=7"]);
    expect(deltas).toEqual(["world"]);
    expect(cursors.at(-1)).toEqual({ id: "resp_bg", seq: 9 });
  });

  it("a stream that breaks off mid-response is picked up where it was, within the same call", async () => {
    const asked: string[] = [];
    server.use(
      http.post("https://openai.test/v1/responses", () => {
        asked.push("create");
        return sse([created(0), delta("Hel", 1)]); // the connection ends here
      }),
      http.get("https://openai.test/v1/responses/resp_bg", ({ request }) => {
        const q = new URL(request.url).searchParams;
        if (q.get("stream") !== "true") {
          asked.push("status");
          return HttpResponse.json(response("in_progress"));
        }
        asked.push(`stream after ${q.get("starting_after")}`);
        return sse([delta("lo", 2), completed("Hello", 3)]);
      }),
    );
    const { promise, deltas } = call(m);
    await expect(promise).resolves.toMatchObject({ text: "Hello" });
    expect(asked).toEqual(["create", "status", "stream after 1"]);
    expect(deltas).toEqual(["Hel", "lo"]);
  });

  it("a response that ended while the stream was away: its status says how", async () => {
    server.use(
      http.post("https://openai.test/v1/responses", () => sse([created(0), delta("Hel", 1)])),
      http.get("https://openai.test/v1/responses/resp_bg", () =>
        HttpResponse.json(response("cancelled")),
      ),
    );
    const error = await call(m).promise.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(m.ProviderResponseError);
    expect((error as InstanceType<Loaded["ProviderResponseError"]>).code).toBe(
      "response.cancelled",
    );
  });

  it("a provider that does not know `background` gets plain streams, learned once and told in health", async () => {
    const bodies: Array<Record<string, unknown>> = [];
    server.use(
      http.post("https://openai.test/v1/responses", async ({ request }) => {
        const body = (await request.json()) as Record<string, unknown>;
        bodies.push(body);
        if (body.background)
          return HttpResponse.json(
            {
              error: {
                message: "Unrecognized request argument supplied: background",
                type: "invalid_request_error",
                param: null,
                code: null,
              },
            },
            { status: 400 },
          );
        return sse([delta("plain", 0), completed("plain", 1, false)]);
      }),
    );
    const first = call(m);
    await expect(first.promise).resolves.toMatchObject({ text: "plain" });
    // A plain stream cannot be resumed: no cursor is reported for it.
    expect(first.cursors).toEqual([]);
    await expect(call(m).promise).resolves.toMatchObject({ text: "plain" });
    expect(bodies.map((b) => Boolean(b.background))).toEqual([true, false, false]);
    expect(m.backgroundCapability()).toMatchObject({
      mode: "auto",
      provider: "refused",
      reason: expect.stringContaining("Unrecognized request argument supplied: background"),
    });
  });

  it("a bad request for another reason is not taken for a refusal of background mode", async () => {
    server.use(
      http.post("https://openai.test/v1/responses", () =>
        HttpResponse.json(
          {
            error: { message: "Invalid schema for response_format", type: "invalid_request_error" },
          },
          { status: 400 },
        ),
      ),
    );
    await expect(call(m).promise).rejects.toThrow(/Invalid schema/);
    expect(m.backgroundCapability().provider).toBe("untried");
  });

  it("cancels a response by id, and never throws when it is gone", async () => {
    const cancelled: string[] = [];
    server.use(
      http.post("https://openai.test/v1/responses/:id/cancel", ({ params }) => {
        cancelled.push(String(params.id));
        return params.id === "resp_bg"
          ? HttpResponse.json(response("cancelled"))
          : HttpResponse.json({ error: { message: "not found" } }, { status: 404 });
      }),
    );
    await expect(m.cancelResponse("resp_bg")).resolves.toBe(true);
    await expect(m.cancelResponse("resp_gone")).resolves.toBe(false);
    expect(cancelled).toEqual(["resp_bg", "resp_gone"]);
  });
});

describe("OPENAI_BACKGROUND=on and off", () => {
  const refuse = () =>
    server.use(
      http.post("https://openai.test/v1/responses", async ({ request }) => {
        const body = (await request.json()) as Record<string, unknown>;
        return body.background
          ? HttpResponse.json(
              { error: { message: "background is not supported", param: "background" } },
              { status: 400 },
            )
          : sse([delta("plain", 0), completed("plain", 1, false)]);
      }),
    );

  it("on: a refusal is an error, not a silent fallback, and health says so", async () => {
    const m = await load("on");
    refuse();
    await expect(call(m).promise).rejects.toThrow(/background is not supported/);
    expect(m.backgroundCapability()).toMatchObject({ mode: "on", provider: "refused" });
    expect(m.wantBackground()).toBe(true);
  });

  it("off: never asks for background mode", async () => {
    const m = await load("off");
    refuse();
    await expect(call(m).promise).resolves.toMatchObject({ text: "plain" });
    expect(m.backgroundCapability()).toMatchObject({ mode: "off", provider: "untried" });
  });
});
