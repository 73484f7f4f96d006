import "server-only";
import { z } from "zod";
import { conversationHash } from "@/lib/conversations/hash";
import { parseConversation } from "@/lib/conversations/parse";
import { conversationIdSchema } from "@/lib/conversations/schema";
import { loadConversation } from "@/lib/conversations/store";
import { AppError } from "@/lib/errors";
import { JobFailure } from "@/lib/telemetry/classify";
import { defineKind, type JobContext, type ModelRequest } from "@/lib/jobs/kind";
import {
  focuses,
  repairInstructions,
  segmentInput,
  segmentInstructions,
  segmentSchema,
  synthesisInput,
  synthesisInstructions,
  synthesisSchema,
  type SegmentNote,
} from "@/lib/kinds/conversation/prompts";
import { checkSynthesis, readSegment, type Facts } from "@/lib/kinds/conversation/report";
import { conversationResultSchema, type ConversationResult } from "@/lib/kinds/conversation/result";
import { planSteps, segmentTurns, talkOf, type Talk } from "@/lib/kinds/conversation/steps";

const input = z.strictObject({ conversationId: conversationIdSchema });
const params = z.strictObject({
  focus: z.enum(focuses).default("general").meta({ title: "Focus" }),
});
type Input = z.infer<typeof input>;
type Params = z.infer<typeof params>;

/** The parse step's checkpoint: counts and a hash, by which a later delivery knows the text. */
export type ParseCheckpoint = {
  speakers: string[];
  segments: number;
  textHash: string;
  talk: Talk[];
};
type Validated = { result: ConversationResult; repaired: boolean };

/** Failures of the person's conversation, not of the service: no retry reads it differently. */
const CATEGORY = {
  conversation_missing: "USER_INPUT",
  conversation_unreadable: "FILE_PROCESSING",
  conversation_changed: "FILE_PROCESSING",
} as const;
const failure = (code: keyof typeof CATEGORY, message: string) =>
  new JobFailure({ code, category: CATEGORY[code], message, retryable: false });

const GONE = "The conversation no longer exists (uploads expire after 7 days).";
const CHANGED = "The conversation changed after the analysis started.";

/**
 * Reads a conversation in parts (one model call each: tone, topics, moments), then writes the
 * report from the parts' notes and the talk figures counted in code, then checks it (one
 * repair). Each delivery loads the conversation again (one HGETALL) and re-derives the parts
 * from it, so checkpoints hold counts and hashes, never the text.
 */
export const conversationAnalysis = defineKind({
  kind: "conversation_analysis",
  subject: "conversation",
  title: "Conversation analysis",
  description: "Who spoke how much and how, the tone over time, key moments and topics.",
  input,
  params,
  result: conversationResultSchema,
  timeoutMs: 5 * 60_000,
  async resolve({ conversationId }: Input, owner: string) {
    const stored = await loadConversation(conversationId);
    // Uploads are private: another visitor's id is answered as if it did not exist.
    if (!stored || stored.owner !== owner) {
      const message = `No conversation with the id ${conversationId} (uploads are kept 7 days).`;
      throw new AppError("not_found:conversation", message);
    }
    return { id: conversationId, content: stored.textHash };
  },
  run,
});

async function run(ctx: JobContext<Params>, input: Input): Promise<ConversationResult> {
  const { conversationId } = input;
  const stored = await loadConversation(conversationId);
  if (!stored) throw failure("conversation_missing", GONE);
  const textHash = conversationHash(stored);
  const parsed = parseConversation(stored.text, stored.format);
  const segments = parsed.ok ? segmentTurns(parsed.turns) : [];
  ctx.plan(planSteps(segments.length));

  const checkpoint = await ctx.step<ParseCheckpoint>("parse", () => {
    if (!parsed.ok) {
      const message = `The conversation could not be read: ${parsed.problem}`;
      throw failure("conversation_unreadable", message);
    }
    const talk = talkOf(parsed.speakers, parsed.turns);
    return { speakers: parsed.speakers, segments: segments.length, textHash, talk };
  });
  const isSameText = parsed.ok && checkpoint.textHash === textHash;
  if (!isSameText || checkpoint.segments !== segments.length) {
    throw failure("conversation_changed", CHANGED);
  }

  const { focus } = ctx.params;
  const notes: SegmentNote[] = [];
  for (const segment of segments) {
    const answer = await ctx.model(`segment:${segment.index}`, {
      instructions: segmentInstructions(focus),
      input: segmentInput(stored.title, segment, segments.length),
      format: { name: "segment", schema: segmentSchema(segment) },
    });
    notes.push(readSegment(answer.text, segment));
  }

  const { speakers, talk } = checkpoint;
  const facts: Facts = { turns: parsed.turns, speakers, talk, notes };
  const report: Omit<ModelRequest, "instructions"> = {
    input: synthesisInput(stored.title, talk, notes),
    format: { name: "conversation_report", schema: synthesisSchema(speakers, parsed.turns.length) },
  };
  const instructions = synthesisInstructions(focus);
  const draft = await ctx.model("synthesize", { instructions, ...report });
  const validated = await ctx.step<Validated>("validate", async () => {
    const first = checkSynthesis(draft.text, facts);
    if (first.ok) return { result: first.result, repaired: false };
    // One repair, inside this step: a later delivery reads the step's checkpoint, not the model.
    const repair = { instructions: repairInstructions(focus, first.problem), ...report };
    const second = checkSynthesis((await ctx.model("repair", repair)).text, facts);
    if (second.ok) return { result: second.result, repaired: true };
    throw new JobFailure({
      code: "invalid_output",
      category: "JSON_PARSING",
      message: `The AI answer could not be used even after one repair attempt (${second.problem}).`,
      retryable: false,
    });
  });
  return validated.result;
}
