import { phrase, pick, sentence, type Rng } from "./generate.ts";
import { sampleFor } from "./pattern.ts";

type Schema = Record<string, unknown>;

/**
 * A value for a `type: "string"` schema. Free text reads like a short analysis in the input's own
 * words and starts with "[sim] "; a `format` or `pattern` gets a conforming value instead (zod
 * emits both for z.email(), z.uuid(), z.iso.datetime() …). Length bounds are always honoured.
 * `key` is the property the string is for: a "name" gets a phrase, a "summary" two sentences.
 */
export function stringFor(s: Schema, key: string | undefined, words: string[], rng: Rng): string {
  const pattern = typeof s.pattern === "string" ? s.pattern : null;
  const formatted = typeof s.format === "string" ? formatValue(s.format, words, rng) : null;
  let text: string | null = formatted;
  if (pattern && (text === null || !matches(pattern, text))) text = sampleFor(pattern, rng);
  if (text === null) text = `[sim] ${freeText(key, words, rng)}`;
  return fitLength(text, Number(s.minLength ?? 0), Number(s.maxLength ?? Infinity), words, rng);
}

function freeText(key: string | undefined, words: string[], rng: Rng): string {
  const k = key ?? "";
  if (/name|title|label|area|category|topic|heading|competitor|segment|tag/i.test(k))
    return phrase(words, rng);
  if (
    /summary|description|overview|rationale|reason|explanation|analysis|assessment|narrative/i.test(
      k,
    )
  ) {
    return `${sentence(words, rng)} ${sentence(words, rng)}`;
  }
  return sentence(words, rng);
}

function fitLength(text: string, min: number, max: number, words: string[], rng: Rng): string {
  let out = text;
  while (out.length < min) out += ` ${pick(words, rng)}`;
  return Number.isFinite(max) && out.length > max ? out.slice(0, Math.max(max, 0)) : out;
}

function matches(pattern: string, text: string): boolean {
  try {
    return new RegExp(pattern, "u").test(text);
  } catch {
    return false;
  }
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");
const hex = (rng: Rng, n: number) =>
  Array.from({ length: n }, () => Math.floor(rng() * 16).toString(16)).join("");

/** Values for the JSON Schema formats OpenAI's structured outputs accept; null for unknown ones. */
function formatValue(format: string, words: string[], rng: Rng): string | null {
  const day = new Date(Date.UTC(2025, 0, 1) + Math.floor(rng() * 365) * 86_400_000);
  const date = `${day.getUTCFullYear()}-${pad(day.getUTCMonth() + 1)}-${pad(day.getUTCDate())}`;
  const time = `${pad(8 + Math.floor(rng() * 10))}:${pad(Math.floor(rng() * 60))}:${pad(Math.floor(rng() * 60))}`;
  const word =
    pick(words, rng)
      .normalize("NFKD")
      .replace(/[^a-z]/gi, "")
      .toLowerCase() || "listing";
  switch (format) {
    case "date-time":
      return `${date}T${time}Z`;
    case "date":
      return date;
    case "time":
      return `${time}Z`;
    case "duration":
      return `P${1 + Math.floor(rng() * 30)}D`;
    case "email":
      return `sim.${word}@example.com`;
    case "hostname":
      return `${word}.example.com`;
    case "uri":
    case "url":
      return `https://example.com/sim/${word}`;
    case "uuid":
      return `${hex(rng, 8)}-${hex(rng, 4)}-4${hex(rng, 3)}-${pick(["8", "9", "a", "b"], rng)}${hex(rng, 3)}-${hex(rng, 12)}`;
    case "ipv4":
      return `192.0.2.${1 + Math.floor(rng() * 254)}`; // TEST-NET-1: never a real host
    case "ipv6":
      return `2001:db8::${hex(rng, 4)}`; // documentation prefix
    default:
      return null;
  }
}
