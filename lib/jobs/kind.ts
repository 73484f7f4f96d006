import type { z } from "zod";
import type { Params, Usage } from "@/lib/jobs/schema";

/**
 * A kind of job: what it takes, what it gives back, and the code that does it. The engine
 * (lib/jobs/runner.ts) owns everything around that code: the lease, checkpoints, continuation
 * between steps, the time budget, cancel, error classification, metrics and the AI circuit. A
 * kind owns its steps. Nothing in the engine knows what a kind analyses.
 *
 * `run` is called again from the top on every delivery. Each `ctx.step` / `ctx.model` whose name
 * already has a checkpoint returns that checkpoint at once instead of running, so the code
 * between steps must be cheap and must decide the same way each time (as in Upstash Workflow's
 * `context.run` or Inngest's `step.run`).
 */
export type JobKind<I = unknown, P extends Params = Params, R = unknown> = {
  /** The `analysisType` a start names, and the job's type in Redis, metrics and ops. */
  kind: string;
  title: string;
  description: string;
  /** What the kind's input is: "listing" or "conversation"; the page groups kinds by it. */
  subject: string;
  /** What a start passes as `input` (strict: unknown keys are a 400). */
  input: z.ZodType<I>;
  /** Strict; defaults fill in what the client left out. `.meta({ title })` labels a field in the form. */
  params: z.ZodType<P>;
  /** The result the job ends with; `run`'s return value is checked against it. */
  result: z.ZodType<R>;
  /** A job of this kind fails with a timeout once it has run this long under leases, ms. */
  timeoutMs: number;
  /**
   * Resolves the input when a job is started by `owner`: throws an AppError (404) when what it
   * names is gone or not theirs to analyse. `id` names the subject (history, ops search);
   * `content` is what the result depends on besides the params and the model (the result
   * cache's identity).
   */
  resolve(input: I, owner: string): Promise<{ id: string; content: string }>;
  run(ctx: JobContext<P>, input: I): Promise<R>;
};

/** A step the job expects to run, for its progress bar and its time estimate. */
export type PlannedStep = {
  name: string;
  /** What the page shows while it runs: "analyzing chunk 3 of 8". */
  label: string;
  /** How much of the job's model work it is, in units the kind chooses (0: takes no time to speak of). */
  weight?: number;
};

export type ModelRequest = {
  instructions: string;
  input: string;
  /** Structured output: the model answers JSON of this schema. */
  format?: { name: string; schema: z.ZodType };
};

export type ModelResult = { text: string; usage: Usage };

export type JobContext<P extends Params = Params> = {
  readonly jobId: string;
  readonly params: P;
  /** Aborted when the job is canceled, its lease is lost or it ended elsewhere. */
  readonly signal: AbortSignal;
  /**
   * Declares the steps ahead, in order (the engine adds "save" at the end). May be called again
   * when a step has told how many more there are; steps run outside the plan are appended.
   */
  plan(steps: PlannedStep[]): void;
  /** Runs `fn` once per job: its result is checkpointed under `name` and returned from there on later deliveries. */
  step<T>(name: string, fn: () => T | Promise<T>): Promise<T>;
  /**
   * One streamed model call, checkpointed under `name` like a step, with partial output,
   * progress, lease renewal and cancel. Inside a `ctx.step` it runs as part of that step (no
   * checkpoint of its own).
   */
  model(name: string, request: ModelRequest): Promise<ModelResult>;
  /** Progress within the step under way, 0–1 (model calls report their own). */
  progress(fraction: number): void;
};

/** Keeps each kind precisely typed where it is written, and erases its types for the registry. */
export function defineKind<I, P extends Params, R>(kind: JobKind<I, P, R>): JobKind {
  return kind as unknown as JobKind;
}

/** The kinds an app runs, by name. Built once in lib/kinds/index.ts and handed to the engine. */
export type Kinds = {
  readonly all: readonly JobKind[];
  get(name: string): JobKind | undefined;
};

export function kindRegistry(all: JobKind[]): Kinds {
  const byName = new Map(all.map((k) => [k.kind, k]));
  if (byName.size !== all.length) throw new Error("two job kinds share a name");
  return { all, get: (name) => byName.get(name) };
}
