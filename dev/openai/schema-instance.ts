import { pick, type Rng } from "./generate.ts";
import { stringFor } from "./strings.ts";

type Schema = Record<string, unknown>;

/** Past this nesting, arrays get their minimum length and nullable values are null, so recursive schemas end. */
const MAX_DEPTH = 8;
/** How often a nullable value (type [..., "null"] or anyOf with null) comes out null: apps must cope with both. */
const NULL_RATE = 0.2;
/** Array length when the schema does not force one; 3 reads like a real list. */
const DEFAULT_ITEMS = 3;

/** What json_object mode answers: the API guarantees an object, nothing more. */
export const GENERIC_OBJECT_SCHEMA: Schema = {
  type: "object",
  properties: {
    summary: { type: "string" },
    highlights: { type: "array", items: { type: "string" }, minItems: 3, maxItems: 3 },
    sentiment: { type: "string", enum: ["positive", "mixed", "negative"] },
  },
  required: ["summary", "highlights", "sentiment"],
  additionalProperties: false,
};

/**
 * A deterministic instance of a JSON Schema: the subset strict structured outputs allow (objects,
 * arrays, strings with format/pattern/length, numbers and integers with bounds and multipleOf,
 * booleans, null, enum/const, anyOf/oneOf, type arrays, allOf, $ref into definitions/$defs) and
 * then some. Every object gets all its properties, which satisfies strict and non-strict alike;
 * no additional properties are ever added.
 */
export function instanceOf(schema: Schema, words: string[], rng: Rng): unknown {
  const visit = (node: unknown, depth: number, key?: string): unknown => {
    if (depth > 64) throw new Error("schema nests too deep (a $ref cycle without an exit?)");
    if (node === true || node === undefined) return stringFor({}, key, words, rng);
    if (typeof node !== "object" || node === null) return null;
    const s = node as Schema;
    if (typeof s.$ref === "string")
      return visit({ ...resolve(schema, s.$ref), ...without(s, "$ref") }, depth + 1, key);
    if ("const" in s) return s.const;
    if (Array.isArray(s.enum) && s.enum.length) return pick(s.enum, rng);
    if (Array.isArray(s.allOf))
      return visit(
        mergeAll([without(s, "allOf"), ...s.allOf.map((p) => deref(schema, p))]),
        depth,
        key,
      );
    const variants = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
    if (Array.isArray(variants) && variants.length) {
      const isNull = (v: unknown) => (deref(schema, v) as Schema).type === "null";
      const nonNull = variants.filter((v) => !isNull(v));
      const wantNull =
        nonNull.length < variants.length &&
        (depth > MAX_DEPTH || rng() < NULL_RATE || !nonNull.length);
      return wantNull
        ? null
        : visit(
            { ...without(s, "anyOf", "oneOf"), ...(deref(schema, pick(nonNull, rng)) as Schema) },
            depth,
            key,
          );
    }
    switch (typeOf(s, depth, rng)) {
      case "object":
        return objectFor(s, depth, visit, words, rng);
      case "array":
        return arrayFor(s, depth, key, visit);
      case "integer":
        return numberFor(s, true, rng);
      case "number":
        return numberFor(s, false, rng);
      case "boolean":
        return rng() < 0.5;
      case "null":
        return null;
      default:
        return stringFor(s, key, words, rng);
    }
  };
  return visit(schema, 0);
}

type Visit = (node: unknown, depth: number, key?: string) => unknown;

function typeOf(s: Schema, depth: number, rng: Rng): string {
  if (Array.isArray(s.type)) {
    const types = s.type.filter((t) => t !== "null");
    if (!types.length || (types.length < s.type.length && (depth > MAX_DEPTH || rng() < NULL_RATE)))
      return "null";
    return pick(types, rng) as string;
  }
  if (typeof s.type === "string") return s.type;
  if (s.properties || s.additionalProperties) return "object";
  if (s.items || s.prefixItems) return "array";
  return "string";
}

function objectFor(
  s: Schema,
  depth: number,
  visit: Visit,
  words: string[],
  rng: Rng,
): Record<string, unknown> {
  const props = { ...((s.properties ?? {}) as Record<string, unknown>) };
  for (const k of Array.isArray(s.required) ? (s.required as string[]) : []) props[k] ??= true;
  // A record (z.record) has no named properties: invent two keys from the input's words.
  if (
    !Object.keys(props).length &&
    s.additionalProperties &&
    typeof s.additionalProperties === "object"
  ) {
    for (const w of [pick(words, rng), pick(words, rng)]) props[w] = s.additionalProperties;
  }
  return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, visit(v, depth + 1, k)]));
}

function arrayFor(s: Schema, depth: number, key: string | undefined, visit: Visit): unknown[] {
  const min = Number(s.minItems ?? 0);
  const max = Number(s.maxItems ?? Infinity);
  const length = depth > MAX_DEPTH ? min : Math.max(min, Math.min(max, DEFAULT_ITEMS));
  const tuple = (
    Array.isArray(s.prefixItems) ? s.prefixItems : Array.isArray(s.items) ? s.items : []
  ) as unknown[];
  const rest = Array.isArray(s.items) ? (s.additionalItems ?? true) : s.items;
  const out: unknown[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < Math.max(length, tuple.length); i++) {
    let value = visit(i < tuple.length ? tuple[i] : rest, depth + 1, key);
    // uniqueItems: a few fresh draws usually differ; an enum of 2 with minItems 3 cannot, and stays invalid.
    for (
      let tries = 0;
      s.uniqueItems === true && seen.has(JSON.stringify(value)) && tries < 8;
      tries++
    )
      value = visit(i < tuple.length ? tuple[i] : rest, depth + 1, key);
    seen.add(JSON.stringify(value));
    out.push(value);
  }
  return out;
}

function numberFor(s: Schema, integer: boolean, rng: Rng): number {
  let lo =
    typeof s.exclusiveMinimum === "number"
      ? s.exclusiveMinimum
      : typeof s.minimum === "number"
        ? s.minimum
        : -Infinity;
  let hi =
    typeof s.exclusiveMaximum === "number"
      ? s.exclusiveMaximum
      : typeof s.maximum === "number"
        ? s.maximum
        : Infinity;
  let loEx = typeof s.exclusiveMinimum === "number" || s.exclusiveMinimum === true;
  let hiEx = typeof s.exclusiveMaximum === "number" || s.exclusiveMaximum === true;
  // Keep values readable: z.int() says ±2^53, but 0–100 is what a model would write.
  if (hi - lo > 1000 || !Number.isFinite(hi - lo)) {
    if (lo <= 0 && hi >= 100)
      [lo, hi, loEx, hiEx] = [Math.max(lo, 0), 100, lo === 0 && loEx, false];
    else if (Number.isFinite(lo) && lo > 0) [hi, hiEx] = [lo + 100, false];
    else [lo, loEx] = [hi - 100, false];
  }
  const step =
    typeof s.multipleOf === "number" && s.multipleOf > 0 ? s.multipleOf : integer ? 1 : 0;
  if (step) {
    let first = Math.ceil(lo / step);
    let last = Math.floor(hi / step);
    if (loEx && first * step <= lo) first++;
    if (hiEx && last * step >= hi) last--;
    if (first > last) return lo; // unsatisfiable bounds: answer something, as a model would
    return Number(((first + Math.floor(rng() * (last - first + 1))) * step).toPrecision(12));
  }
  const raw = lo + (0.02 + rng() * 0.96) * (hi - lo);
  const rounded = Math.round(raw * 100) / 100;
  const inside = (loEx ? rounded > lo : rounded >= lo) && (hiEx ? rounded < hi : rounded <= hi);
  return inside ? rounded : raw;
}

function resolve(root: Schema, ref: string): Schema {
  if (ref === "#") return root;
  let node: unknown = root;
  for (const part of ref.replace(/^#\//, "").split("/"))
    node = (node as Schema | undefined)?.[
      decodeURIComponent(part).replace(/~1/g, "/").replace(/~0/g, "~")
    ];
  if (!node || typeof node !== "object") throw new Error(`unresolvable $ref ${ref}`);
  return node as Schema;
}

const deref = (root: Schema, node: unknown): unknown =>
  node && typeof node === "object" && typeof (node as Schema).$ref === "string"
    ? resolve(root, (node as Schema).$ref as string)
    : node;

function without(s: Schema, ...keys: string[]): Schema {
  const copy = { ...s };
  for (const k of keys) delete copy[k];
  return copy;
}

/** allOf as one schema: properties merged, required lists joined, other keywords last-wins. */
function mergeAll(parts: unknown[]): Schema {
  const merged: Schema = {};
  for (const p of parts) {
    if (!p || typeof p !== "object") continue;
    const part = p as Schema;
    Object.assign(merged, part, {
      properties: {
        ...(merged.properties as Schema | undefined),
        ...(part.properties as Schema | undefined),
      },
      required: [
        ...((merged.required as string[] | undefined) ?? []),
        ...((part.required as string[] | undefined) ?? []),
      ],
    });
  }
  if (!Object.keys(merged.properties as Schema).length) delete merged.properties;
  if (!(merged.required as string[]).length) delete merged.required;
  return merged;
}
