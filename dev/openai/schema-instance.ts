import { salientWords, sentence, type Rng } from "./generate.ts";

type Schema = Record<string, unknown>;

/**
 * A deterministic instance of a JSON Schema (the subset structured outputs use: objects,
 * arrays, strings, numbers, integers, booleans, null, enum/const, anyOf/oneOf, type arrays,
 * $ref into $defs/definitions, min/max bounds). Free-text strings start with "[sim] ".
 */
export function instanceOf(schema: Schema, input: string, rng: Rng): unknown {
  const words = salientWords(input);
  const root = schema;
  const visit = (s: Schema, depth: number): unknown => {
    if (typeof s.$ref === "string") return visit(resolve(root, s.$ref), depth);
    if ("const" in s) return s.const;
    if (Array.isArray(s.enum)) return s.enum[Math.floor(rng() * s.enum.length)];
    const variants = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
    if (variants?.length) return visit(variants.find((v) => v.type !== "null") ?? variants[0], depth);
    const type = Array.isArray(s.type) ? (s.type.find((t) => t !== "null") ?? "null") : s.type;
    switch (type) {
      case "object": {
        const props = (s.properties ?? {}) as Record<string, Schema>;
        return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, visit(v, depth + 1)]));
      }
      case "array": {
        const min = Number(s.minItems ?? 0);
        const max = Number(s.maxItems ?? Math.max(min, 3));
        const n = depth > 6 ? min : Math.max(min, Math.min(max, 3));
        return Array.from({ length: n }, () => visit((s.items ?? {}) as Schema, depth + 1));
      }
      case "integer":
      case "number": {
        const lo = Number(s.minimum ?? (s.exclusiveMinimum !== undefined ? Number(s.exclusiveMinimum) + 1 : 0));
        const hi = Number(s.maximum ?? (s.exclusiveMaximum !== undefined ? Number(s.exclusiveMaximum) - 1 : lo + 100));
        const value = lo + rng() * Math.max(0, hi - lo);
        return type === "integer" ? Math.round(Math.min(hi, Math.max(lo, value))) : Math.round(value * 100) / 100;
      }
      case "boolean":
        return rng() < 0.5;
      case "null":
        return null;
      default: {
        let text = `[sim] ${sentence(words, rng)}`;
        const maxLength = Number(s.maxLength ?? Infinity);
        const minLength = Number(s.minLength ?? 0);
        if (text.length > maxLength) text = text.slice(0, maxLength);
        while (text.length < minLength) text += " …";
        return text.slice(0, Number.isFinite(maxLength) ? maxLength : undefined);
      }
    }
  };
  return visit(schema, 0);
}

function resolve(root: Schema, ref: string): Schema {
  if (ref === "#") return root;
  const path = ref.replace(/^#\//, "").split("/");
  let node: unknown = root;
  for (const part of path) node = (node as Schema)?.[part.replace(/~1/g, "/").replace(/~0/g, "~")];
  if (!node || typeof node !== "object") throw new Error(`unresolvable $ref ${ref}`);
  return node as Schema;
}
