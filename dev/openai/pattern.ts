import type { Rng } from "./generate.ts";

/**
 * A string matching a JSON Schema `pattern`, for the common subset of regular expressions
 * (literals, classes, escapes, groups, alternation, quantifiers, anchors). Returns null when the
 * pattern uses something else (backreferences, lookarounds) or the sample does not match; the
 * caller then falls back to plain text, as a real model might.
 */
type Node =
  | { k: "chars"; chars: string[] }
  | { k: "group"; alts: Node[][] }
  | { k: "rep"; node: Node; min: number; max: number };

const DIGITS = [..."0123456789"];
const WORD = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"];
const PRINTABLE = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.,:;!?/@#"];
const CLASSES: Record<string, string[]> = {
  d: DIGITS,
  w: WORD,
  s: [" "],
  D: [..."abcXYZ"],
  W: [..."-. "],
  S: [..."abcXYZ"],
};

export function sampleFor(pattern: string, rng: Rng): string | null {
  try {
    const parser = new Parser(pattern);
    const alts = parser.alternatives();
    if (parser.i < pattern.length) return null;
    const sample = emit({ k: "group", alts }, rng);
    return new RegExp(pattern, "u").test(sample) ? sample : null;
  } catch {
    return null;
  }
}

function emit(node: Node, rng: Rng): string {
  if (node.k === "chars")
    return node.chars.length ? node.chars[Math.floor(rng() * node.chars.length)] : "";
  if (node.k === "group")
    return node.alts[Math.floor(rng() * node.alts.length)].map((n) => emit(n, rng)).join("");
  // Open-ended repeats stay short: a few characters read better than a random wall of them.
  const max = Math.min(node.max, node.min + 3);
  const count = node.min + Math.floor(rng() * (max - node.min + 1));
  return Array.from({ length: count }, () => emit(node.node, rng)).join("");
}

class Parser {
  readonly src: string;
  i = 0;
  constructor(src: string) {
    this.src = src;
  }
  alternatives(): Node[][] {
    const alts: Node[][] = [this.sequence()];
    while (this.src[this.i] === "|") {
      this.i++;
      alts.push(this.sequence());
    }
    return alts;
  }
  sequence(): Node[] {
    const seq: Node[] = [];
    while (this.i < this.src.length && this.src[this.i] !== "|" && this.src[this.i] !== ")") {
      const atom = this.atom();
      if (atom) seq.push(this.quantified(atom));
    }
    return seq;
  }
  atom(): Node | null {
    const c = this.src[this.i++];
    if (c === "^" || c === "$") return null; // the sample is the whole string anyway
    if (c === ".") return { k: "chars", chars: PRINTABLE };
    if (c === "[") return this.charClass();
    if (c === "\\") return { k: "chars", chars: this.escape() };
    if (c === "(") {
      if (this.src[this.i] === "?") {
        if (this.src[this.i + 1] !== ":")
          throw new Error("lookarounds and named groups are not sampled");
        this.i += 2;
      }
      const alts = this.alternatives();
      if (this.src[this.i++] !== ")") throw new Error("unbalanced group");
      return { k: "group", alts };
    }
    if ("*+?{".includes(c)) throw new Error("quantifier without an atom");
    return { k: "chars", chars: [c] };
  }
  quantified(node: Node): Node {
    const c = this.src[this.i];
    let q: [number, number] | null = null;
    if (c === "*") q = [0, Infinity];
    else if (c === "+") q = [1, Infinity];
    else if (c === "?") q = [0, 1];
    else if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
      if (!m) return node;
      this.i += m[0].length - 1;
      q = [Number(m[1]), m[2] === undefined ? Number(m[1]) : m[3] === "" ? Infinity : Number(m[3])];
    }
    if (!q) return node;
    this.i++;
    if (this.src[this.i] === "?") this.i++; // lazy and greedy sample alike
    return { k: "rep", node, min: q[0], max: q[1] };
  }
  escape(): string[] {
    const c = this.src[this.i++];
    if (c in CLASSES) return CLASSES[c];
    if (/\d/.test(c)) throw new Error("backreferences are not sampled");
    if (c === "u" || c === "x") {
      const hex = this.src.slice(this.i, this.i + (c === "u" ? 4 : 2));
      this.i += hex.length;
      return [String.fromCharCode(parseInt(hex, 16))];
    }
    return [({ n: "\n", t: "\t", r: "\r" } as Record<string, string>)[c] ?? c];
  }
  charClass(): Node {
    const negated = this.src[this.i] === "^";
    if (negated) this.i++;
    const set: string[] = [];
    while (this.i < this.src.length && this.src[this.i] !== "]") {
      const from = this.src[this.i] === "\\" ? (this.i++, this.escape()) : [this.src[this.i++]];
      if (from.length === 1 && this.src[this.i] === "-" && this.src[this.i + 1] !== "]") {
        this.i++;
        const to = this.src[this.i] === "\\" ? (this.i++, this.escape()[0]) : this.src[this.i++];
        for (let code = from[0].charCodeAt(0); code <= to.charCodeAt(0); code++)
          set.push(String.fromCharCode(code));
      } else set.push(...from);
    }
    if (this.src[this.i++] !== "]") throw new Error("unterminated class");
    return { k: "chars", chars: negated ? PRINTABLE.filter((ch) => !set.includes(ch)) : set };
  }
}
