import { createHash } from "node:crypto";

/**
 * The simulator's "model": deterministic text built from the salient words of the input. The same
 * request always gets the same answer (tests can compare), different inputs get different answers,
 * and every answer is visibly simulated so nobody mistakes it for analysis.
 */
export type Rng = () => number;

/** mulberry32 seeded from a sha256 of `seed`: small, fast, and the same on every machine. */
export function rngFor(seed: string): Rng {
  let a = createHash("sha256").update(seed).digest().readUInt32LE(0);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(items: readonly T[], rng: Rng): T =>
  items[Math.floor(rng() * items.length)];

const STOP = new Set(
  (
    "about above after again against their there these those which while would could should with from have this that into " +
    "over under very more most other some such than then them they were what when where your also been being only each just " +
    "like because every listing analyse analysis business"
  ).split(" "),
);
const FALLBACK = ["revenue", "customers", "location", "margins", "staff", "growth"];

/** The input's most frequent meaningful words (5+ letters), most frequent first, ties in order of appearance. */
export function salientWords(input: string, max = 24): string[] {
  // A Map keeps insertion order and sort is stable, so ties stay in the order the text names them.
  const counts = new Map<string, number>();
  for (const w of input.toLowerCase().match(/\p{L}{5,}/gu) ?? [])
    if (!STOP.has(w)) counts.set(w, (counts.get(w) ?? 0) + 1);
  const words = [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([w]) => w)
    .slice(0, max);
  return words.length >= 2 ? words : [...words, ...FALLBACK];
}

const FRAMES = [
  "The listing points to {a} as a driver of {b}.",
  "{A} and {b} deserve a closer look before any offer.",
  "Evidence on {a} suggests {b} is stable but worth verifying.",
  "A buyer should weigh {a} against the exposure to {b}.",
  "{A} looks like a strength, while {b} remains an open question.",
  "Ask the seller for records on {a} and how it affects {b}.",
  "{A} could support growth if {b} holds up.",
];

const cap = (w: string) => w[0].toUpperCase() + w.slice(1);

/** One short analysis-like sentence about two of `words`. */
export function sentence(words: string[], rng: Rng): string {
  const a = pick(words, rng);
  const b = pick(words.length > 1 ? words.filter((w) => w !== a) : words, rng);
  return pick(FRAMES, rng).replace("{A}", cap(a)).replace("{a}", a).replace("{b}", b);
}

/** A two-word, title-like phrase ("Harbour roastery") for names, titles and areas. */
export function phrase(words: string[], rng: Rng): string {
  const a = pick(words, rng);
  const b = pick(words, rng);
  return a === b ? cap(a) : `${cap(a)} ${b}`;
}

/** "a, b and c" */
export function listOf(words: string[]): string {
  return words.length < 2
    ? (words[0] ?? "")
    : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}

/** A plain-text answer of about `tokens` tokens that summarises `subject`, labelled as simulated. */
export function prose(subject: string, tokens: number, rng: Rng): string {
  const words = salientWords(subject);
  const length = subject.split(/\s+/).filter(Boolean).length;
  let text = `[simulated] A ${length}-word text about ${listOf(words.slice(0, 3))}.`;
  while (estimateTokens(text) < tokens) text += ` ${sentence(words, rng)}`;
  return text;
}

/** ~1 token per 4 characters, OpenAI's rule of thumb for English. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

export function hashOf(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

/** Splits output into stream deltas of about one token each; joined, they are the text again. */
export function toDeltas(text: string): string[] {
  return text.match(/\s*\S{1,4}|\s+/gu) ?? [];
}
