import type { AnalysisType, Params } from "@/lib/jobs/schema";

/**
 * What the page knows of each kind of job, as the server describes it from the kind's own
 * definition (./describe.ts). Client-safe: a label, a blurb, what it analyses, and its params as
 * form fields. Nothing here is written twice: a new kind shows up with its form.
 */
export type ParamField =
  | {
      name: string;
      label: string;
      kind: "select";
      options: Array<{ value: string; label: string }>;
      default: string;
    }
  | { name: string; label: string; kind: "number"; min: number; max: number; default: number };

export type KindView = {
  kind: AnalysisType;
  label: string;
  blurb: string;
  /** What it analyses: "listing", "conversation". */
  subject: string;
  params: ParamField[];
};

/** The params the server fills in by default, so the same analysis has one identity. */
export function defaultParams(view: KindView | undefined): Params {
  return Object.fromEntries((view?.params ?? []).map((f) => [f.name, f.default]));
}

/** A kind's label, or its name when this page does not know it (an older job's, say). */
export function kindLabel(kinds: readonly KindView[], name: AnalysisType): string {
  return kinds.find((k) => k.kind === name)?.label ?? name;
}
