import type { Turn } from "@/lib/conversations/schema";
import {
  segmentAnswerSchema,
  synthesisAnswerSchema,
  type SegmentNote,
} from "@/lib/kinds/conversation/prompts";
import { conversationResultSchema, type ConversationResult } from "@/lib/kinds/conversation/result";
import { talkShares, type Segment, type Talk } from "@/lib/kinds/conversation/steps";

/**
 * Turning the model's answers into the result. A part's notes are only material for the
 * synthesis, so an unusable one is read as neutral rather than failing the job (its checkpoint
 * would make a retry read it again); the synthesis is the result, so it is checked, and what
 * the code knows better (who spoke at a turn, the counts, the parts' ranges) comes from the code.
 */

export type Checked = { ok: true; result: ConversationResult } | { ok: false; problem: string };

/** What the code knows of the conversation, merged into the answer. */
export type Facts = { turns: Turn[]; speakers: string[]; talk: Talk[]; notes: SegmentNote[] };

const MAX_MOMENTS = 8;
const MAX_TOPICS = 10;

function parseJson(text: string): { ok: true; data: unknown } | { ok: false } {
  try {
    return { ok: true, data: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

const clamp = (n: number) => Math.min(1, Math.max(-1, n));
/** Each item once (case aside), as first spelled. */
function distinct(items: string[]): string[] {
  const seen = new Map<string, string>();
  for (const item of items) {
    const key = item.trim().toLowerCase();
    if (key && !seen.has(key)) seen.set(key, item.trim());
  }
  return [...seen.values()];
}

/** A part's answer; neutral notes when it cannot be used. Moments outside the part are dropped. */
export function readSegment(text: string, segment: Segment): SegmentNote {
  const json = parseJson(text);
  const parsed = json.ok ? segmentAnswerSchema.safeParse(json.data) : null;
  if (!parsed?.success) {
    return { segment, summary: "", sentiment: 0, label: "unclear", topics: [], moments: [] };
  }
  const { summary, sentiment, label, topics, moments } = parsed.data;
  const inPart = (turn: number) => turn >= segment.fromTurn && turn <= segment.toTurn;
  return {
    segment,
    summary: summary.trim(),
    sentiment: clamp(sentiment),
    label: label.trim() || "unclear",
    topics: distinct(topics).slice(0, 5),
    moments: moments.filter((m) => inPart(m.turn)).slice(0, 3),
  };
}

/** The synthesis checked and merged with what the code counted; a problem names the first fault. */
export function checkSynthesis(text: string, facts: Facts): Checked {
  const json = parseJson(text);
  if (!json.ok) return { ok: false, problem: "the answer was not valid JSON" };
  const parsed = synthesisAnswerSchema.safeParse(json.data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, problem: `${issue.path.join(".") || "answer"}: ${issue.message}` };
  }
  const answer = parsed.data;
  if (!answer.summary.trim()) return { ok: false, problem: "summary: it is empty" };
  const result = {
    summary: answer.summary.trim(),
    speakers: withStyles(facts, answer.speakers),
    sentimentOverTime: facts.notes.map((n) => ({
      segment: n.segment.index + 1,
      fromTurn: n.segment.fromTurn,
      toTurn: n.segment.toTurn,
      sentiment: Math.round(n.sentiment * 100) / 100,
      label: n.label,
    })),
    keyMoments: moments(facts.turns, answer.keyMoments),
    topics: distinct(answer.topics).slice(0, MAX_TOPICS),
  };
  const checked = conversationResultSchema.safeParse(result);
  if (checked.success) return { ok: true, result: checked.data };
  const issue = checked.error.issues[0];
  return { ok: false, problem: `${issue.path.join(".")}: ${issue.message}` };
}

/**
 * Every speaker the code counted, with the style the model gave them: by name (case aside), else
 * by position when the model listed one style per speaker (it respelled a name).
 */
function withStyles(facts: Facts, given: Array<{ name: string; style: string }>) {
  const byName = new Map(given.map((s) => [s.name.trim().toLowerCase(), s.style.trim()]));
  const byOrder = given.length === facts.speakers.length;
  return talkShares(facts.talk).map((t, i) => {
    const style = byName.get(t.name.toLowerCase()) || (byOrder ? given[i].style.trim() : "");
    return { ...t, style: style || "Not described." };
  });
}

/** Moments at turns that exist, one per turn, in order, with the speaker of that turn. */
function moments(turns: Turn[], given: Array<{ turn: number; description: string }>) {
  const byTurn = new Map<number, string>();
  for (const m of given) {
    const exists = m.turn >= 1 && m.turn <= turns.length;
    const description = m.description.trim();
    if (exists && description && !byTurn.has(m.turn)) byTurn.set(m.turn, description);
  }
  return [...byTurn]
    .sort(([a], [b]) => a - b)
    .slice(0, MAX_MOMENTS)
    .map(([turn, description]) => ({ turn, speaker: turns[turn - 1].speaker, description }));
}
