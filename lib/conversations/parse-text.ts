import { TurnBuilder, type Draft } from "@/lib/conversations/turns";

/**
 * Plain-text and Markdown transcripts: `Speaker: text` lines, with the variants people and tools
 * write (`**Speaker:** text`, `[00:01:02] Speaker: text`, `Speaker (00:01): text`, `<nick> text`,
 * and a `Speaker  0:03` line above what they said, as Otter exports). A line without a speaker
 * continues the turn before it; headings, rules and blank lines are skipped, and lines before
 * the first speaker (a title, a date) are left out.
 */

/** `1:02`, `00:01:02`, `01:02.500`: a time of day or an offset, as transcripts print them. */
const TIME = String.raw`\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?`;
const LEADING_TIME = new RegExp(String.raw`^[\[(]?(${TIME})[\])]?\s*(?:[-–—|]\s*)?`);
const NAME_WITH_TIME = new RegExp(String.raw`^(.+?)\s*[\[(](${TIME})[\])]\s*:\s*(.*)$`);
const NAME_TIME_SUFFIX = new RegExp(String.raw`^(.+?)\s*[\[(](${TIME})[\])]$`);
const HEADER_LINE = new RegExp(String.raw`^(.+?)\s+[\[(]?(${TIME})[\])]?$`);

/**
 * Labels that look like `Speaker:` but head a transcript's metadata or notes. Words people are
 * rarely named, so `Date: 3 May` in a preamble or `Note: …` inside a turn is not a new speaker.
 */
const NOT_SPEAKERS = new Set([
  "date",
  "time",
  "duration",
  "location",
  "place",
  "attendees",
  "participants",
  "present",
  "subject",
  "title",
  "topic",
  "agenda",
  "meeting",
  "recorded",
  "transcript",
  "note",
  "notes",
  "summary",
  "action items",
  "next steps",
  "source",
  "url",
  "link",
  "re",
  "cc",
  "to",
]);

/** Lower-case words inside names ("Ludwig van Beethoven", "Maria de la Cruz"). */
const PARTICLES = new Set([
  "van",
  "von",
  "der",
  "den",
  "de",
  "la",
  "le",
  "da",
  "di",
  "del",
  "du",
  "bin",
  "al",
  "y",
]);
const capitalized = (word: string) => /^[\p{Lu}\p{N}(]/u.test(word) || PARTICLES.has(word);

/**
 * Whether a `Name:` prefix is a speaker's name: up to 6 words of letters, digits and name
 * punctuation; a name of several words has them capitalized ("Dr. Chen", "Speaker 2"), so "The
 * plan is simple: ship it" stays a sentence. One word may be anything ("alice", "SPEAKER_01").
 */
export function isName(candidate: string): boolean {
  const name = candidate.trim();
  if (name.length === 0 || name.length > 80 || /^\d+$/.test(name)) return false;
  const words = name.split(/\s+/);
  if (words.length > 6 || NOT_SPEAKERS.has(name.toLowerCase())) return false;
  if (words.length > 1 && !words.every(capitalized)) return false;
  return /^[\p{L}\p{N}][\p{L}\p{N}\p{M} .'’&_@#()/-]*$/u.test(name);
}

/** A header line's name stands alone, so it must look like one even when it is one word. */
const isHeaderName = (name: string) => isName(name) && name.split(/\s+/).every(capitalized);

/** "01:02:03" / "1:02" / "00:01:02.500" → ms (mm:ss when there are two parts). */
export function clockMs(text: string): number {
  const [clock, fraction = ""] = text.split(/[.,]/);
  const parts = clock.split(":").map(Number);
  const [h, m, s] = parts.length === 3 ? parts : [0, ...parts];
  return ((h * 60 + m) * 60 + s) * 1000 + Number(fraction.padEnd(3, "0").slice(0, 3) || 0);
}

export type SpeakerLine = { speaker: string; text: string; atMs: number | null };

/**
 * The speaker a line opens with, and the rest of it; null when it opens with none. `explicit`
 * forms (bold, `<nick>`) are taken at their word, however long; the plain `Name:` form must
 * look like a name, so a sentence with a colon stays text.
 */
export function speakerLine(line: string): SpeakerLine | null {
  const unquoted = line.replace(/^(?:>\s*)+/, "").replace(/^[-*+]\s+/, "");
  const time = LEADING_TIME.exec(unquoted);
  // A bare leading number is a time only with a colon in it (TIME requires one).
  const atMs = time ? clockMs(time[1]) : null;
  const rest = time ? unquoted.slice(time[0].length) : unquoted;
  const bold = /^(?:\*\*|__)(.+?)(?::(?:\*\*|__)|(?:\*\*|__)\s*:)\s*(.*)$/.exec(rest);
  if (bold) {
    const stamped = NAME_TIME_SUFFIX.exec(bold[1]);
    if (stamped) return { speaker: stamped[1], text: bold[2], atMs: atMs ?? clockMs(stamped[2]) };
    return { speaker: bold[1], text: bold[2], atMs };
  }
  const nick = /^<([^<>]+)>\s+(.*)$/.exec(rest);
  if (nick) return { speaker: nick[1], text: nick[2], atMs };
  const timed = NAME_WITH_TIME.exec(rest);
  if (timed && isName(timed[1])) {
    return { speaker: timed[1], text: timed[3], atMs: atMs ?? clockMs(timed[2]) };
  }
  const plain = /^([^:]+?)\s*:(?:\s+(.*))?$/.exec(rest);
  if (plain && isName(plain[1])) return { speaker: plain[1], text: plain[2] ?? "", atMs };
  const header = HEADER_LINE.exec(rest);
  if (header && isHeaderName(header[1])) {
    return { speaker: header[1], text: "", atMs: atMs ?? clockMs(header[2]) };
  }
  return null;
}

const SKIPPED = /^(?:#{1,6}\s|(?:-{3,}|\*{3,}|_{3,})$)/;

export function readTranscript(raw: string): Draft {
  const turns = new TurnBuilder();
  let named = false;
  for (const rawLine of raw.split(/\r\n|\r|\n/)) {
    const line = rawLine.trim();
    if (!line || SKIPPED.test(line)) continue;
    const found = speakerLine(line);
    if (found) {
      named = true;
      turns.speak(found.speaker, found.atMs);
      turns.say(found.text, "\n");
    } else if (turns.hasSpeaker) {
      turns.say(line, "\n");
    }
  }
  if (!named) {
    return {
      ok: false,
      problem:
        'No line starts with a speaker\'s name (like "Alice: Hello"), ' +
        "so the speakers could not be told apart.",
    };
  }
  return { ok: true, turns: turns.turns };
}
