import { CONVERSATION_MAX_TURNS, SPEAKER_NAME_MAX, type Turn } from "@/lib/conversations/schema";

/** What a format's reader gives back before the checks every format shares. */
export type Draft = { ok: true; turns: Turn[] } | { ok: false; problem: string };
export type Parsed =
  | { ok: true; speakers: string[]; turns: Turn[] }
  | { ok: false; problem: string };

/**
 * Collects turns as a reader meets speakers and text. Consecutive text of one speaker is one
 * turn (a turn is what one person said before someone else spoke), whatever the file split it
 * into: lines, cues or messages. A turn's `atMs` is the time of its first piece.
 */
export class TurnBuilder {
  readonly turns: Turn[] = [];
  private speaker: string | null = null;
  private atMs: number | null = null;

  /** From here on text is `speaker`'s; `atMs` dates the turn this starts, if it starts one. */
  speak(speaker: string, atMs: number | null = null): void {
    this.speaker = cleanName(speaker);
    this.atMs = atMs;
  }

  /** Whether a speaker has been named yet (text before that has no one to belong to). */
  get hasSpeaker(): boolean {
    return this.speaker !== null;
  }

  /** Adds text to the current speaker's turn; `joiner` glues it to what they said just before. */
  say(text: string, joiner: string, atMs: number | null = null): void {
    const clean = text.trim();
    if (!clean || this.speaker === null) return;
    const last = this.turns.at(-1);
    if (last && last.speaker === this.speaker) {
      last.text = `${last.text}${joiner}${clean}`;
      return;
    }
    this.turns.push({ speaker: this.speaker, text: clean, atMs: this.atMs ?? atMs });
    this.atMs = null;
  }
}

/** Whitespace runs become one space: names compare as people read them. */
export function cleanName(name: string): string {
  return name.replace(/\s+/g, " ").trim();
}

const count = (n: number) => n.toLocaleString("en");

/** The checks every format shares, and the speakers in order of first appearance. */
export function finish(draft: Draft): Parsed {
  if (!draft.ok) return draft;
  const { turns } = draft;
  if (turns.length === 0) {
    return { ok: false, problem: "No conversation turns were found in the file." };
  }
  const long = turns.find((t) => t.speaker.length > SPEAKER_NAME_MAX);
  if (long) {
    const shown = `${long.speaker.slice(0, 40)}…`;
    return {
      ok: false,
      problem:
        `A speaker name is longer than ${SPEAKER_NAME_MAX} characters ("${shown}"). ` +
        "Check that the file is a transcript with short speaker names.",
    };
  }
  if (turns.length < 2) {
    return {
      ok: false,
      problem:
        `Only one turn was found (everything is said by ${turns[0].speaker}). ` +
        "A conversation needs at least two turns by different speakers.",
    };
  }
  if (turns.length > CONVERSATION_MAX_TURNS) {
    return {
      ok: false,
      problem:
        `The conversation has ${count(turns.length)} turns; at most ` +
        `${count(CONVERSATION_MAX_TURNS)} can be analysed at once. Split it into parts.`,
    };
  }
  return { ok: true, speakers: [...new Set(turns.map((t) => t.speaker))], turns };
}
