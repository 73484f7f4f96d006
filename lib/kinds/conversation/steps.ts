import type { Turn } from "@/lib/conversations/schema";
import { chunkText } from "@/lib/kinds/chunk";
import type { PlannedStep } from "@/lib/jobs/kind";

/**
 * The pure steps of a conversation analysis: the parts it is read in, what each speaker said by
 * the numbers, and the plan. Deterministic, so every delivery re-derives the same parts from the
 * same text instead of storing them.
 */

/** A part's size, in characters (~750 tokens): a few minutes of talk, read in one model call. */
export const SEGMENT_CHARS = 3_000;
/**
 * About how many parts a conversation is read in at most: past it parts grow instead, so a
 * long transcript costs a bounded number of calls (and the sentiment chart stays readable).
 */
export const MAX_SEGMENTS = 24;

/** Part of the conversation read in one call. Turns are numbered from 1; the range is inclusive. */
export type Segment = { index: number; fromTurn: number; toTurn: number; text: string };

/** What the model reads of a turn: its number, its time when the file gave one, who spoke. */
function turnLine(turn: Turn, n: number, text = turn.text): string {
  return `#${n}${turn.atMs === null ? "" : ` [${clock(turn.atMs)}]`} ${turn.speaker}: ${text}`;
}

/** ms → "1:02:03" / "2:03". */
export function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const pad = (n: number) => String(n).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`;
}

/**
 * Consecutive turns packed into parts of about `target` characters, never splitting a turn
 * unless it alone is more than twice a part: then its pieces are parts of their own, each
 * labelled with the turn's number ("part 2 of 3").
 */
export function segmentTurns(
  turns: Turn[],
  target = SEGMENT_CHARS,
  most = MAX_SEGMENTS,
): Segment[] {
  const lines = turns.map((t, i) => turnLine(t, i + 1));
  const total = lines.reduce((n, line) => n + line.length + 1, 0);
  const size = Math.max(target, Math.ceil(total / most));
  const segments: Segment[] = [];
  let open: { fromTurn: number; toTurn: number; lines: string[]; chars: number } | null = null;
  const close = () => {
    if (open) {
      const { fromTurn, toTurn } = open;
      segments.push({ index: segments.length, fromTurn, toTurn, text: open.lines.join("\n") });
    }
    open = null;
  };
  lines.forEach((line, i) => {
    const n = i + 1;
    if (line.length > 2 * size) {
      close();
      const pieces = chunkText(turns[i].text, size);
      for (const [k, piece] of pieces.entries()) {
        const text = turnLine(turns[i], n, `(part ${k + 1} of ${pieces.length}) ${piece}`);
        segments.push({ index: segments.length, fromTurn: n, toTurn: n, text });
      }
      return;
    }
    if (open && open.chars + line.length + 1 > size) close();
    open ??= { fromTurn: n, toTurn: n, lines: [], chars: 0 };
    open.lines.push(line);
    open.toTurn = n;
    open.chars += line.length + 1;
  });
  close();
  return segments;
}

/** One speaker by the numbers. */
export type Talk = { name: string; turns: number; words: number };

const words = (text: string) => text.split(/\s+/).filter(Boolean).length;

/** Turns and words per speaker, in the order they first spoke. */
export function talkOf(speakers: string[], turns: Turn[]): Talk[] {
  const by = new Map(speakers.map((name) => [name, { name, turns: 0, words: 0 }]));
  for (const turn of turns) {
    const talk = by.get(turn.speaker);
    if (!talk) continue;
    talk.turns++;
    talk.words += words(turn.text);
  }
  return [...by.values()];
}

/** Each speaker's words as a share of all words, 0–1, to 3 decimals (0 for everyone if none). */
export function talkShares(talk: Talk[]): Array<Talk & { talkShare: number }> {
  const total = talk.reduce((n, t) => n + t.words, 0);
  const share = (words: number) => (total ? Math.round((words / total) * 1000) / 1000 : 0);
  return talk.map((t) => ({ ...t, talkShare: share(t.words) }));
}

/** The steps ahead, for the progress bar and its estimate (the engine adds "save"). */
export function planSteps(segments: number): PlannedStep[] {
  return [
    { name: "parse", label: "parsing the conversation", weight: 0 },
    ...Array.from({ length: segments }, (_, i) => ({
      name: `segment:${i}`,
      label: `reading part ${i + 1} of ${segments}`,
      weight: 1,
    })),
    { name: "synthesize", label: "writing the report", weight: 4 },
    { name: "validate", label: "checking the answer", weight: 0 },
  ];
}
