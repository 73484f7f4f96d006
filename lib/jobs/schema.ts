import { z } from "zod";
import { jobErrorSchema } from "@/lib/telemetry/job-error";

// A job's `error` is telemetry's failure shape; the Job's readers take it from here too.
export {
  errorCategories,
  jobErrorSchema,
  type ErrorCategory,
  type JobError,
} from "@/lib/telemetry/job-error";

/*
 * The Job: one zod schema is the source of truth for the server, the client and the Redis hash.
 * In Redis (`job:{id}`) every field is a readable string: numbers as decimals, timestamps as
 * epoch milliseconds, objects as JSON — see `toHash`/`fromHash`.
 */
/**
 * A job id as the app makes them (nanoid: URL- and key-safe) and accepts them anywhere — routes,
 * QStash messages, the DLQ, /ops. Shared with the browser: one definition of what an id is.
 */
export const JOB_ID_PATTERN = /^[A-Za-z0-9_-]{8,32}$/;
export const jobIdSchema = z.string().regex(JOB_ID_PATTERN, "not a job id");
export const isJobId = (value: unknown): value is string => jobIdSchema.safeParse(value).success;

/**
 * A kind of job by name ("business_analysis", "conversation_analysis"): the kinds themselves are
 * registered in lib/kinds/index.ts; the engine only carries the name.
 */
export const analysisTypeSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{2,39}$/, "not an analysis type");
export type AnalysisType = string;

/** A small flat map: what params and a kind's input are before the kind checks their keys. */
const flatMapSchema = z.record(
  z.string().max(40),
  z.union([z.string().max(200), z.number(), z.boolean()]),
);

/** What a job's kind takes as input: a small flat map of ids ({ listingId }, { conversationId }). */
export const jobInputSchema = flatMapSchema;
export type JobInput = z.infer<typeof jobInputSchema>;

export const jobStatuses = ["queued", "running", "succeeded", "failed", "canceled"] as const;
export const jobStatusSchema = z.enum(jobStatuses);
export type JobStatus = z.infer<typeof jobStatusSchema>;
export const terminalStatuses: readonly JobStatus[] = ["succeeded", "failed", "canceled"];
export const isTerminal = (s: JobStatus) => terminalStatuses.includes(s);

export const stepInfoSchema = z.object({
  name: z.string(),
  index: z.number().int(),
  total: z.number().int(),
  label: z.string(),
});
export type StepInfo = z.infer<typeof stepInfoSchema>;

export const usageSchema = z.object({
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
});
export type Usage = z.infer<typeof usageSchema>;

/**
 * The model call in flight, as a background response at the provider (lib/jobs/model-call.ts):
 * which call of which step, the response's id, the last sequence number streamed, and how much
 * of it this job has seen and counted. Written with the partial output; cleared by the step's
 * checkpoint. A later delivery resumes the response from here instead of paying for it again.
 */
export const modelCallSchema = z.object({
  call: z.string(),
  id: z.string(),
  seq: z.number().int(),
  /** Characters of output streamed so far. */
  chars: z.number().int(),
  /** Tokens of this response already added to the job's `billed` and the budget. */
  billed: z.number().int(),
});
export type ModelCallRecord = z.infer<typeof modelCallSchema>;

/** Params are small flat maps; each analysis type validates its own keys. */
export const paramsSchema = flatMapSchema;
export type Params = z.infer<typeof paramsSchema>;

export const jobSchema = z.object({
  id: z.string(),
  owner: z.string(),
  /** The id of what the job works on (a listing's, a conversation's): for history, ops and search. */
  subject: z.string(),
  analysisType: analysisTypeSchema,
  /** The kind's input, as the start gave it (parsed by the kind's schema). */
  input: jobInputSchema,
  params: paramsSchema,
  status: jobStatusSchema,
  progress: z.number().min(0).max(100),
  step: stepInfoSchema.nullable(),
  partialOutput: z.string(),
  result: z.unknown().nullable(),
  error: jobErrorSchema.nullable(),
  attempt: z.number().int(),
  createdAt: z.number(),
  updatedAt: z.number(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  cancelRequested: z.boolean(),
  etaMs: z.number().nullable(),
  usage: usageSchema,
  /** The job whose result this one reused from the result cache, or null. */
  cachedFrom: z.string().nullable(),
  /** How many times a person retried this job after it failed or was canceled. */
  retries: z.number().int(),
  /** When its current run was queued (created, or retried by a person), ms: JOB_MAX_AGE_MS counts from here. */
  enqueuedAt: z.number(),
  /** Time run under leases by earlier deliveries of this run, ms: each type's timeout bounds it. */
  runMs: z.number(),
  /** When the lease of the delivery running it was taken, ms; null while no delivery holds it. */
  leasedAt: z.number().nullable(),
  /** Until when it waits in QStash on purpose (a retry delay, the open circuit), ms; null: no wait noted. */
  waitUntil: z.number().nullable(),
  /** How many times it was revived after its messages ran out or were lost (lib/jobs/revive.ts). */
  revives: z.number().int(),
  /** Tokens the AI provider billed for it, cut-off and canceled calls included (its usage counts only the results). */
  billed: z.number().int(),
  /** How long it may run under leases before it times out, ms (its kind's, fixed when created). */
  timeoutMs: z.number(),
  /** Its model call in flight as a resumable background response, or null. */
  modelCall: modelCallSchema.nullable(),
  version: z.number().int(),
});
export type Job = z.infer<typeof jobSchema>;

/** What a browser receives: the owner and the provider's response id stay on the server. */
export type PublicJob = Omit<Job, "owner" | "modelCall">;

/** The timeout of a job stored without one. */
export const DEFAULT_TIMEOUT_MS = 5 * 60_000;

const json = (v: string | undefined) => (v ? (JSON.parse(v) as unknown) : null);
const num = (v: string | undefined) => (v === undefined || v === "" ? null : Number(v));

/** Rebuilds a Job from HGETALL's field map; throws if the hash is not a job. */
export function fromHash(id: string, h: Record<string, string>): Job {
  return jobSchema.parse({
    id,
    owner: h.owner,
    subject: h.subject ?? "",
    analysisType: h.analysisType,
    input: json(h.input) ?? {},
    params: json(h.params) ?? {},
    status: h.status,
    progress: num(h.progress) ?? 0,
    step: json(h.step),
    partialOutput: h.partialOutput ?? "",
    result: json(h.result),
    error: json(h.error),
    attempt: num(h.attempt) ?? 0,
    createdAt: num(h.createdAt),
    updatedAt: num(h.updatedAt) ?? num(h.createdAt),
    startedAt: num(h.startedAt),
    finishedAt: num(h.finishedAt),
    cancelRequested: h.cancelRequested === "1",
    etaMs: num(h.etaMs),
    usage: { inputTokens: num(h.usageIn) ?? 0, outputTokens: num(h.usageOut) ?? 0 },
    retries: num(h.retries) ?? 0,
    enqueuedAt: num(h.enqueuedAt) ?? num(h.createdAt),
    runMs: num(h.runMs) ?? 0,
    leasedAt: num(h.leasedAt),
    waitUntil: num(h.waitUntil),
    revives: num(h.revives) ?? 0,
    billed: num(h.billed) ?? 0,
    timeoutMs: num(h.timeoutMs) ?? DEFAULT_TIMEOUT_MS,
    modelCall: parseModelCall(h.modelCall),
    cachedFrom: h.cachedFrom || null,
    version: num(h.version) ?? 0,
  });
}

/** A model call record that does not parse is dropped: the call is asked again, nothing breaks. */
export function parseModelCall(v: string | undefined): ModelCallRecord | null {
  if (!v) return null;
  try {
    return modelCallSchema.safeParse(JSON.parse(v)).data ?? null;
  } catch {
    return null;
  }
}

export function toPublic(job: Job): PublicJob {
  const { owner: _owner, modelCall: _call, ...rest } = job;
  return rest;
}
