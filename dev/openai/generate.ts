import { createHash } from "node:crypto";

/**
 * Deterministic "model output" for the simulator: the same request always gets the same answer,
 * built from the salient words of the input, and visibly simulated.
 */
export type Rng = () => number;

/** mulberry32 seeded from a string hash: small, fast, deterministic. */
export function rngFor(seed: string): Rng {
  let a = createHash("sha256").update(seed).digest().readUInt32LE(0);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STOP = new Set("about above after again against their there these those which while would could should with from have this that into over under very more most other some such than then them they were what when where your also been being only each just like ".split(" "));

/** The input's most frequent meaningful words, most frequent first. */
export function salientWords(input: string, max = 24): string[] {
  const counts = new Map<string, number>();
  for (const w of input.toLowerCase().match(/[a-zà-ÿ]{5,}/g) ?? []) if (!STOP.has(w)) counts.set(w, (counts.get(w) ?? 0) + 1);
  const words = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([w]) => w).slice(0, max);
  return words.length ? words : ["listing", "business", "revenue", "market", "customers", "growth"];
}

const FRAMES = [
  "The listing points to {a} as a driver of {b}.",
  "{A} and {b} deserve a closer look before any offer.",
  "Evidence on {a} suggests {b} is stable but worth verifying.",
  "A buyer should weigh {a} against the exposure to {b}.",
  "{A} looks like a strength, while {b} is a open question.",
];

export function sentence(words: string[], rng: Rng): string {
  const a = words[Math.floor(rng() * words.length)];
  const b = words[Math.floor(rng() * words.length)];
  const frame = FRAMES[Math.floor(rng() * FRAMES.length)];
  return frame.replace("{A}", a[0].toUpperCase() + a.slice(1)).replace("{a}", a).replace("{b}", b).replace("a open", "an open");
}

/** Plain-text answer of about `tokens` tokens, labelled as simulated. */
export function prose(input: string, tokens: number, rng: Rng): string {
  const words = salientWords(input);
  let text = "[simulated] ";
  while (estimateTokens(text) < tokens) text += `${sentence(words, rng)} `;
  return text.trim();
}

/** ~1 token per 4 characters, as OpenAI's rule of thumb for English. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

export function hashOf(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

/** Splits output into stream deltas of roughly one token each. */
export function toDeltas(text: string): string[] {
  return text.match(/.{1,4}/gs) ?? [];
}
