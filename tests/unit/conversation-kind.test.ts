import fc from "fast-check";
import { zodTextFormat } from "openai/helpers/zod";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { conversationHash } from "@/lib/conversations/hash";
import { parseConversation } from "@/lib/conversations/parse";
import type { ConversationFormat, Turn } from "@/lib/conversations/schema";
import { loadConversation, type StoredConversation } from "@/lib/conversations/store";
import { AppError } from "@/lib/errors";
import { JobFailure } from "@/lib/telemetry/classify";
import type { JobContext, ModelRequest, ModelResult, PlannedStep } from "@/lib/jobs/kind";
import { conversationAnalysis } from "@/lib/kinds/conversation";
import { segmentSchema, synthesisSchema } from "@/lib/kinds/conversation/prompts";
import { conversationResultSchema, type ConversationResult } from "@/lib/kinds/conversation/result";
import { MAX_SEGMENTS, segmentTurns } from "@/lib/kinds/conversation/steps";

// The one Redis read a run makes; each test says what it finds.
vi.mock("@/lib/conversations/store", () => ({ loadConversation: vi.fn() }));

/** A sales call long enough to be read in several parts. */
function salesCall(rounds = 14): string {
  const lines = ["# Call with Northwind", ""];
  for (let i = 0; i < rounds; i++) {
    lines.push(
      `Dana: Round ${i}: our plan covers onboarding, support and the reporting module you asked ` +
        `about, and the price holds for two years if you sign this quarter. ` +
        "Detail. ".repeat(20),
      `Mr. Okafor: I see. Round ${i}: the budget is tight and the board wants a pilot first. ` +
        "What would a three-month pilot cost us?",
    );
  }
  return lines.join("\n");
}

function storedConversation(text: string, format: ConversationFormat = "txt"): StoredConversation {
  const title = "Northwind call";
  const parsed = parseConversation(text, format);
  const speakers = parsed.ok ? parsed.speakers : [];
  const turns = parsed.ok ? parsed.turns.length : 0;
  const textHash = conversationHash({ format, title, text });
  const id = "cnv_abcdefabcdef";
  return { id, title, format, text, textHash, speakers, turns, owner: "v_x", createdAt: "" };
}

const segmentAnswer = (i: number) =>
  JSON.stringify({
    summary: `Part ${i}: pricing and a pilot.`,
    sentiment: [0.5, -0.2, 0.1, 0.3, 0][i % 5],
    label: ["friendly", "tense", "neutral", "warm", "flat"][i % 5],
    topics: ["pricing", "pilot"],
    moments: [],
  });
const goodSynthesis = JSON.stringify({
  summary: "Dana pitched a two-year plan; Mr. Okafor asked for a pilot within a tight budget.",
  speakers: [
    { name: "Dana", style: "Confident and detailed, leads the call." },
    { name: "Mr. Okafor", style: "Cautious, asks about cost." },
  ],
  keyMoments: [
    { turn: 4, description: "The pilot is first asked for." },
    { turn: 1, description: "The offer." },
    { turn: 4, description: "A duplicate." },
    { turn: 9999, description: "A turn that does not exist." },
  ],
  topics: ["pricing", "Pricing", "pilot", "budget"],
});

type Answers = { synthesize?: string; repair?: string; segment?: (i: number) => string };

/**
 * A JobContext as the engine promises it: a step or model call whose name has a checkpoint
 * returns it without running; a model call inside a step runs as part of it (no checkpoint of
 * its own). `model` answers from canned JSON and logs every call that reached it.
 */
function fakeContext(answers: Answers = {}, checkpoints = new Map<string, unknown>()) {
  const calls: string[] = [];
  const plans: PlannedStep[][] = [];
  let inStep = 0;
  const answer = (name: string) => {
    const segment = answers.segment ?? segmentAnswer;
    if (name.startsWith("segment:")) return segment(Number(name.slice(8)));
    return answers[name as "synthesize" | "repair"] ?? goodSynthesis;
  };
  const ctx: JobContext<{ focus: "general" }> = {
    jobId: "job_test",
    params: { focus: "general" },
    signal: new AbortController().signal,
    plan: (steps) => void plans.push(steps),
    async step<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
      if (checkpoints.has(name)) return structuredClone(checkpoints.get(name)) as T;
      inStep++;
      try {
        const value = await fn();
        checkpoints.set(name, JSON.parse(JSON.stringify(value)));
        return value;
      } finally {
        inStep--;
      }
    },
    async model(name: string, request: ModelRequest): Promise<ModelResult> {
      if (!inStep && checkpoints.has(name)) return checkpoints.get(name) as ModelResult;
      calls.push(name);
      expect(request.format?.schema).toBeDefined();
      const result = { text: answer(name), usage: { inputTokens: 100, outputTokens: 20 } };
      if (!inStep) checkpoints.set(name, result);
      return result;
    },
    progress: () => {},
  };
  return { ctx, calls, plans, checkpoints };
}

const input = { conversationId: "cnv_abcdefabcdef" };
const run = (ctx: JobContext) =>
  conversationAnalysis.run(ctx, input) as Promise<ConversationResult>;
const failureOf = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => (e instanceof JobFailure ? e.jobError : e),
  );

let stored: StoredConversation | null;
beforeEach(() => {
  stored = storedConversation(salesCall());
  vi.mocked(loadConversation).mockImplementation(async () => stored);
});

describe("a conversation analysis", () => {
  it("reads each part once, writes the report and ends with a valid result", async () => {
    const { ctx, calls, plans } = fakeContext();
    const result = await run(ctx);
    expect(conversationResultSchema.safeParse(result).success).toBe(true);

    const parts = segmentTurns((parseConversation(stored!.text, "txt") as { turns: Turn[] }).turns);
    expect(parts.length).toBeGreaterThan(2);
    expect(calls).toEqual([...parts.map((_, i) => `segment:${i}`), "synthesize"]);
    expect(plans[0].map((s) => [s.name, s.label, s.weight])).toEqual([
      ["parse", "parsing the conversation", 0],
      ...parts.map((_, i) => [`segment:${i}`, `reading part ${i + 1} of ${parts.length}`, 1]),
      ["synthesize", "writing the report", 4],
      ["validate", "checking the answer", 0],
    ]);

    // Counted in code: each speaker spoke 14 turns; Dana's long turns are most of the words.
    const [dana, okafor] = result.speakers;
    const counted = [dana.name, dana.turns, okafor.name, okafor.turns];
    expect(counted).toEqual(["Dana", 14, "Mr. Okafor", 14]);
    expect(dana.words).toBeGreaterThan(okafor.words);
    expect(dana.talkShare + okafor.talkShare).toBeCloseTo(1, 2);
    expect(dana.style).toBe("Confident and detailed, leads the call.");
    // One point per part, covering every turn in order; the tone is each part's own.
    expect(result.sentimentOverTime.map((p) => [p.segment, p.fromTurn, p.toTurn])).toEqual(
      parts.map((p, i) => [i + 1, p.fromTurn, p.toTurn]),
    );
    expect(result.sentimentOverTime[1]).toMatchObject({ sentiment: -0.2, label: "tense" });
    // Moments at real turns only, once each, in order, with the speaker of that turn.
    expect(result.keyMoments).toEqual([
      { turn: 1, speaker: "Dana", description: "The offer." },
      { turn: 4, speaker: "Mr. Okafor", description: "The pilot is first asked for." },
    ]);
    expect(result.topics).toEqual(["pricing", "pilot", "budget"]);
  });

  it("run again with every checkpoint in place, calls no model and ends the same", async () => {
    const first = fakeContext();
    const result = await run(first.ctx);
    const again = fakeContext({ synthesize: "not even JSON" }, first.checkpoints);
    expect(await run(again.ctx)).toEqual(result);
    expect(again.calls).toEqual([]);
  });

  it("continues from the parts already read when a delivery stopped partway", async () => {
    const first = fakeContext({
      segment: (i) => {
        if (i === 2) throw new Error("the delivery ran out of time");
        return segmentAnswer(i);
      },
    });
    await expect(run(first.ctx)).rejects.toThrow("ran out of time");
    expect(first.calls).toEqual(["segment:0", "segment:1", "segment:2"]);
    const next = fakeContext({}, first.checkpoints);
    await run(next.ctx);
    expect(next.calls[0]).toBe("segment:2");
    expect(next.calls).not.toContain("segment:1");
  });

  it("fails with conversation_changed when the text is not the one it started on", async () => {
    const first = fakeContext();
    await run(first.ctx);
    first.checkpoints.delete("validate");
    stored = storedConversation(salesCall(15));
    const changed = fakeContext({}, first.checkpoints);
    expect(await failureOf(run(changed.ctx))).toMatchObject({
      code: "conversation_changed",
      category: "FILE_PROCESSING",
      retryable: false,
    });
    expect(changed.calls).toEqual([]);
  });

  it("fails with conversation_missing if gone, conversation_unreadable if unreadable", async () => {
    stored = null;
    const gone = await failureOf(run(fakeContext().ctx));
    const missing = { code: "conversation_missing", category: "USER_INPUT", retryable: false };
    expect(gone).toMatchObject(missing);

    stored = storedConversation("not JSON at all", "json");
    const unreadable = await failureOf(run(fakeContext().ctx));
    const code = "conversation_unreadable";
    expect(unreadable).toMatchObject({ code, category: "FILE_PROCESSING" });
    const message = (unreadable as { message: string }).message;
    expect(message).toMatch(/^The conversation could not be read: The file is not valid JSON/);
  });

  it("repairs a bad synthesis once, inside the validate step", async () => {
    const { ctx, calls, checkpoints } = fakeContext({ synthesize: '{"summary": 3}' });
    const result = await run(ctx);
    expect(conversationResultSchema.safeParse(result).success).toBe(true);
    expect(calls.filter((c) => c === "repair")).toHaveLength(1);
    expect(checkpoints.get("validate")).toMatchObject({ repaired: true });
    expect(checkpoints.has("repair")).toBe(false);
  });

  it("fails with invalid_output when the repair is bad too", async () => {
    const answers = { synthesize: "not JSON", repair: JSON.stringify({ summary: "" }) };
    const { ctx, calls } = fakeContext(answers);
    const error = await failureOf(run(ctx));
    const invalid = { code: "invalid_output", category: "JSON_PARSING", retryable: false };
    expect(error).toMatchObject(invalid);
    const message = (error as { message: string }).message;
    expect(message).toMatch(/even after one repair attempt \(speakers: /);
    expect(calls.filter((c) => c === "repair")).toHaveLength(1);
  });

  it("reads a part whose answer cannot be used as neutral, not as a failure", async () => {
    const { ctx } = fakeContext({ segment: (i) => (i === 0 ? "garbage" : segmentAnswer(i)) });
    const result = await run(ctx);
    expect(result.sentimentOverTime[0]).toMatchObject({ sentiment: 0, label: "unclear" });
  });
});

describe("its contract", () => {
  it("resolves its uploader's conversation to its content hash; another's or a missing one is a 404", async () => {
    const resolved = { id: input.conversationId, content: stored!.textHash };
    await expect(conversationAnalysis.resolve(input, "v_x")).resolves.toEqual(resolved);
    const foreign = await conversationAnalysis.resolve(input, "v_other").catch((e: unknown) => e);
    expect(foreign).toMatchObject({ code: "not_found:conversation", status: 404 });
    stored = null;
    const error = await conversationAnalysis.resolve(input, "v_x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: "not_found:conversation", status: 404 });
    expect((error as Error).message).toMatch(/uploads are kept 7 days/);
  });

  it("takes a conversation id and nothing else; the focus defaults to general", () => {
    expect(conversationAnalysis.input.safeParse(input).success).toBe(true);
    expect(conversationAnalysis.input.safeParse({ ...input, extra: 1 }).success).toBe(false);
    expect(conversationAnalysis.input.safeParse({ conversationId: "lst_abc" }).success).toBe(false);
    expect(conversationAnalysis.params.parse({})).toEqual({ focus: "general" });
    expect(conversationAnalysis.params.safeParse({ focus: "poetry" }).success).toBe(false);
    const kind = { kind: "conversation_analysis", subject: "conversation", timeoutMs: 300_000 };
    expect(conversationAnalysis).toMatchObject(kind);
  });
});

describe("what the model is asked for", () => {
  it("is a strict structured output, bounded by the conversation's turns and speakers", () => {
    const part = { index: 0, fromTurn: 3, toTurn: 7, text: "" };
    const segment = zodTextFormat(segmentSchema(part), "segment");
    expect(segment).toMatchObject({ type: "json_schema", strict: true });
    const moment = JSON.stringify(segment.schema);
    expect(moment).toContain('"minimum":3');
    expect(moment).toContain('"maximum":7');
    const format = zodTextFormat(synthesisSchema(["Dana", "Mr. Okafor"], 28), "report");
    const report = JSON.stringify(format.schema);
    expect(report).toContain('"enum":["Dana","Mr. Okafor"]');
    expect(report).toContain('"maximum":28');
  });
});

describe("segmenting", () => {
  const turn = (speaker: string, chars: number): Turn => {
    return { speaker, text: "w ".repeat(chars / 2).trim(), atMs: null };
  };

  it("covers every turn once, in order, in parts of ~3,000 characters, about 24 at most", () => {
    const spec = fc.tuple(fc.constantFrom("A", "B", "C"), fc.integer({ min: 2, max: 9_000 }));
    const turns = fc.array(spec, { minLength: 2, maxLength: 300 });
    fc.assert(
      fc.property(turns, (specs) => {
        const parts = segmentTurns(specs.map(([s, n]) => turn(s, n)));
        let next = 1;
        for (const part of parts) {
          // A turn split in pieces repeats its number; else each part starts where the last ended.
          const isPiece = part.fromTurn === next - 1 && part.toTurn === next - 1;
          expect(part.fromTurn === next || isPiece).toBe(true);
          next = part.toTurn + 1;
        }
        expect(next).toBe(specs.length + 1);
        expect(parts.length).toBeLessThanOrEqual(2 * MAX_SEGMENTS + 1);
      }),
    );
  });

  it("splits only a turn longer than two parts, and labels its pieces", () => {
    const parts = segmentTurns([turn("A", 100), turn("B", 7_000), turn("A", 100)]);
    const ranges = parts.map((p) => [p.fromTurn, p.toTurn]);
    expect(ranges).toEqual([
      [1, 1],
      [2, 2],
      [2, 2],
      [2, 2],
      [3, 3],
    ]);
    expect(parts[1].text).toMatch(/^#2 B: \(part 1 of 3\) w w/);
    const kept = segmentTurns([turn("A", 100), turn("B", 5_000), turn("A", 100)]);
    expect(kept.map((p) => [p.fromTurn, p.toTurn])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
  });
});
