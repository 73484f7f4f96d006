import { isName } from "@/lib/conversations/parse-text";
import { TurnBuilder, type Draft } from "@/lib/conversations/turns";

/**
 * Subtitle transcripts: WebVTT (`WEBVTT` header, `00:00:01.000 --> 00:00:04.000` cues, voices as
 * `<v Name>`) and SubRip (numbered cues, `00:00:01,000 --> …`). A cue names its speaker with a
 * voice tag or a `Name:` prefix (also `- Name:` and `>> Name:`, as dialogue captions write it);
 * a cue that names none continues the speaker before it. A turn's time is its first cue's start.
 */

const STAMP = String.raw`(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})`;
const TIMING = new RegExp(String.raw`^${STAMP}\s+-->\s+${STAMP}`);
/** Text before the first named cue has no speaker to continue, and is kept under this name. */
export const UNKNOWN_SPEAKER = "Unknown speaker";

const ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  lrm: "",
  rlm: "",
};

function stampMs(m: RegExpExecArray): number {
  const [h, min, s, ms] = [m[1] ?? "0", m[2], m[3], m[4]].map(Number);
  return ((h * 60 + min) * 60 + s) * 1000 + Number(String(ms).padEnd(3, "0"));
}

/** Markup out (`<i>`, `<c.yellow>`, karaoke times, SRT `<font>`), entities decoded. */
function plain(text: string): string {
  return text
    .replace(/<[^>]*>/g, "")
    .replace(/&(amp|lt|gt|quot|apos|nbsp|lrm|rlm);/g, (_, name: string) => ENTITIES[name])
    .replace(/\s+/g, " ")
    .trim();
}

/** The speaker a cue line names, and what they say; `speaker` null when it names none. */
function cueLine(line: string): { speaker: string | null; text: string } {
  const voice = /^(?:-\s*)?<v(?:\.[^\s>]*)?\s+([^>]+)>(.*)$/.exec(line);
  if (voice) return { speaker: voice[1], text: plain(voice[2]) };
  const text = plain(line);
  const prefixed = /^(?:-|>>)?\s*([^:]+?)\s*:\s+(.*)$/.exec(text);
  if (prefixed && isName(prefixed[1])) return { speaker: prefixed[1], text: prefixed[2] };
  return { speaker: null, text: text.replace(/^(?:-|>>)\s*/, "") };
}

export function readCues(raw: string, format: "vtt" | "srt"): Draft {
  const blocks = raw.split(/\r\n|\r|\n/).reduce<string[][]>(
    (acc, line) => {
      if (line.trim() === "") acc.push([]);
      else acc.at(-1)!.push(line.trim());
      return acc;
    },
    [[]],
  );
  const turns = new TurnBuilder();
  let cues = 0;
  let named = false;
  for (const block of blocks) {
    // WebVTT's header, NOTE, STYLE and REGION blocks have no timing line; SRT's number precedes it.
    const at = block.findIndex((line) => TIMING.test(line));
    if (at < 0 || at > 1) continue;
    cues++;
    const startMs = stampMs(TIMING.exec(block[at])!);
    for (const line of block.slice(at + 1)) {
      const { speaker, text } = cueLine(line);
      if (speaker !== null) {
        named = true;
        turns.speak(speaker, startMs);
      } else if (!turns.hasSpeaker) {
        turns.speak(UNKNOWN_SPEAKER, startMs);
      }
      turns.say(text, " ", startMs);
    }
  }
  const ms = format === "vtt" ? "." : ",";
  const example = `00:00:01${ms}000 --> 00:00:04${ms}000`;
  if (cues === 0) {
    return { ok: false, problem: `No subtitle cues were found (timing lines like "${example}").` };
  }
  if (!named) {
    const how = format === "vtt" ? '<v Alice> or "Alice:"' : '"Alice:"';
    return {
      ok: false,
      problem:
        `No cue names its speaker (as ${how} at the start of the text), ` +
        "so the speakers could not be told apart.",
    };
  }
  return { ok: true, turns: turns.turns };
}
