/**
 * The rules OpenAI enforces on a `strict: true` JSON Schema, checked the same way so a schema the
 * real API would refuse is refused locally too: the root is an object (not a union), every object
 * closes with `additionalProperties: false` and lists every property in `required`, and every
 * `$ref` resolves. Messages copy the API's wording ("In context=('properties', 'x'), …").
 */
type Schema = Record<string, unknown>;

export function strictSchemaProblem(root: Schema): string | null {
  if (root.type !== "object" || root.anyOf) {
    return `schema must be a JSON Schema of 'type: "object"', got '${root.anyOf ? "anyOf" : `type: "${String(root.type ?? "None")}"`}'.`;
  }
  const seen = new Set<unknown>();
  const walk = (node: unknown, path: string[]): string | null => {
    if (!node || typeof node !== "object" || seen.has(node)) return null;
    seen.add(node);
    const s = node as Schema;
    const context = `In context=(${path.map((p) => `'${p}'`).join(", ")})`;
    if (typeof s.$ref === "string" && !resolves(root, s.$ref))
      return `${context}, reference to component '${s.$ref}' which was not found in the schema.`;
    const isObject = s.type === "object" || (Array.isArray(s.type) && s.type.includes("object"));
    if (isObject) {
      if (s.additionalProperties !== false)
        return `${context}, 'additionalProperties' is required to be supplied and to be false.`;
      const keys = Object.keys((s.properties ?? {}) as Schema);
      const required = Array.isArray(s.required) ? (s.required as string[]) : [];
      const absent = keys.find((k) => !required.includes(k));
      if (absent !== undefined)
        return `${context}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${absent}'.`;
    }
    for (const [key, child] of children(s)) {
      const problem = walk(child, [...path, ...key]);
      if (problem) return problem;
    }
    return null;
  };
  return walk(root, []);
}

function children(s: Schema): Array<[string[], unknown]> {
  const out: Array<[string[], unknown]> = [];
  for (const map of ["properties", "$defs", "definitions"]) {
    for (const [k, v] of Object.entries((s[map] ?? {}) as Schema)) out.push([[map, k], v]);
  }
  for (const list of ["anyOf", "allOf", "oneOf", "prefixItems"]) {
    if (Array.isArray(s[list]))
      (s[list] as unknown[]).forEach((v, i) => void out.push([[list, String(i)], v]));
  }
  if (s.items && typeof s.items === "object" && !Array.isArray(s.items))
    out.push([["items"], s.items]);
  return out;
}

function resolves(root: Schema, ref: string): boolean {
  if (ref === "#") return true;
  if (!ref.startsWith("#/")) return false;
  let node: unknown = root;
  for (const part of ref.slice(2).split("/"))
    node = (node as Schema | undefined)?.[
      decodeURIComponent(part).replace(/~1/g, "/").replace(/~0/g, "~")
    ];
  return !!node && typeof node === "object";
}
