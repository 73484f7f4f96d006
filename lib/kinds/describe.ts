import "server-only";
import { z } from "zod";
import type { KindView, ParamField } from "@/lib/kinds/view";
import type { JobKind } from "@/lib/jobs/kind";

type Property = {
  title?: string;
  default?: unknown;
  type?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
};

const capitalized = (s: string) => s.charAt(0).toUpperCase() + s.slice(1).replace(/_/g, " ");

/**
 * What the page shows of a kind, read from its definition: the params form comes from the
 * params schema (a field's label is its `.meta({ title })`, an enum is a select, a bounded
 * number a number field), so the form cannot drift from what the server accepts.
 */
export function describeKind(kind: JobKind): KindView {
  const schema = z.toJSONSchema(kind.params, { io: "input" }) as {
    properties?: Record<string, Property>;
  };
  const params = Object.entries(schema.properties ?? {}).flatMap(([name, p]): ParamField[] => {
    const label = p.title ?? capitalized(name);
    if (p.enum) {
      const options = p.enum.map((v) => ({ value: String(v), label: capitalized(String(v)) }));
      return [{ name, label, kind: "select", options, default: String(p.default ?? p.enum[0]) }];
    }
    if (p.type === "integer" || p.type === "number") {
      const min = p.minimum ?? 0;
      return [
        {
          name,
          label,
          kind: "number",
          min,
          max: p.maximum ?? min + 100,
          default: Number(p.default ?? min),
        },
      ];
    }
    return [];
  });
  return {
    kind: kind.kind,
    label: kind.title,
    blurb: kind.description,
    subject: kind.subject,
    params,
  };
}
