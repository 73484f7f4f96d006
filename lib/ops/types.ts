import type { BackgroundCapability } from "@/lib/openai/background";
import type { FlowState } from "@/lib/ops/flow-types";
/**
 * What the /api/ops/* routes answer: the contract between the ops API and the /ops pages.
 * Shared by server and client (no server-only imports). Times are epoch ms, durations ms,
 * rates fractions 0–1 (null when there is nothing to divide by), money US dollars.
 */
import type { AnalysisType, JobError, JobStatus, StepInfo } from "@/lib/jobs/schema";
import type { ErrorSample as RecordedSample } from "@/lib/telemetry/error-record";
import type { OpsErrorEvent } from "@/lib/telemetry/error-event";
import type { ErrorCategory } from "@/lib/telemetry/job-error";

export { severities, type ErrorCategory, type Severity } from "@/lib/telemetry/job-error";

/** p50/p95 estimated from a histogram (upper bounds of log-spaced buckets), avg exact. */
export type Percentiles = { p50: number; p95: number; avg: number; count: number };

export type Counters = {
  started: number;
  succeeded: number;
  failed: number;
  canceled: number;
  deduplicated: number;
  retried: number;
  cacheHits: number;
  polls: number;
  /** Errors of the service recorded (retried or final); those the input caused are inputErrors. */
  errors: number;
  /** Deliveries that leased a job: what the error rate divides by. */
  deliveries: number;
  /** Of `failed`, the jobs the person's input failed (content policy, a bad listing). */
  inputFailed: number;
  /** Failures the input caused, recorded as error groups but not counted in `errors`. */
  inputErrors: number;
};

export type SeriesPoint = Counters & {
  /** Bucket start, epoch ms (a minute or an hour). */
  t: number;
  durationMs: Percentiles | null;
  /** Failed by the service / jobs the service ended: (failed - inputFailed) / (succeeded + failed - inputFailed). */
  errorRate: number | null;
};

export type ModelUsage = {
  model: string;
  /** Tokens that ended in jobs' results. */
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Tokens the provider billed for those jobs: cut-off, cancelled and repeated calls included. */
  billedTokens: number;
  /** What the billed tokens cost (the extra over the results priced as input: a floor). */
  billedCostUsd: number;
};

export type OpsOverview = {
  generatedAt: number;
  windowMinutes: number;
  /** Bucket width of `series`: "minute" for windows up to 6 h, else "hour". */
  resolution: "minute" | "hour";
  live: { queued: number; running: number; stuck: number };
  totals: Counters;
  /**
   * succeeded / (succeeded + failed - inputFailed) over the window: a job the person's own
   * listing failed (content policy, an empty or missing listing) says nothing about whether
   * the service works, as a declined card says nothing about a payment service's uptime.
   */
  successRate: number | null;
  /** failed deliveries (errors of the service recorded, retried or final) / deliveries over the window. */
  errorRate: number | null;
  /** Jobs ended per minute over the window. */
  throughputPerMin: number;
  durationMs: Percentiles | null;
  queueWaitMs: Percentiles | null;
  /** The app's own API routes (start, status, cancel): the "response time" alerts watch. */
  apiResponseMs: { avg: number; count: number } | null;
  byType: Array<{
    analysisType: AnalysisType;
    started: number;
    succeeded: number;
    failed: number;
    canceled: number;
    durationMs: Percentiles | null;
  }>;
  tokens: ModelUsage[];
  /** Failures of the AI provider itself (rate limits, 5xx, stalls, timeouts, auth) in the window. */
  providerFaults: number;
  /** Errors recorded in the window, by category. */
  errorsByCategory: Partial<Record<ErrorCategory, number>>;
  series: SeriesPoint[];
  alerts: AlertState[];
  /** The latest alert transitions (newest first), each with how its webhook delivery went. */
  alertHistory: AlertHistoryEntry[];
  /** Whether ALERT_WEBHOOK_URL is set. */
  alertWebhook: { configured: boolean };
  /** Tokens billed today (UTC) by the AI provider, cut-off and canceled calls included, and the budgets. */
  budget: { day: string; billedTokens: number; limitTokens: number; perVisitorLimitTokens: number };
};

export type AlertRuleId =
  | "avg_response_time"
  | "success_rate"
  | "error_rate"
  | "dlq_not_empty"
  | "job_stuck"
  | "ops_lockout"
  | "token_budget";

export type AlertState = {
  rule: AlertRuleId;
  title: string;
  /** e.g. "> 5000 ms", "< 95 %". */
  threshold: string;
  state: "active" | "resolved" | "ok";
  /** The measured value, formatted for people ("7.2 s", "91 %", "3 messages"). */
  value: string;
  /** When the current state began. */
  since: number | null;
};

export type AlertEvent = {
  /**
   * The transition's id ("alert.{rule}.{fired|resolved}.{at}"): its QStash deduplication id and
   * its field in alerts:delivery. Entries recorded before delivery existed have none (see transitionId).
   */
  id?: string;
  rule: AlertRuleId;
  title: string;
  state: "active" | "resolved";
  value: string;
  /** The rule's threshold as shown ("> 5 % (judged from 5 deliveries)"); absent in older entries. */
  threshold?: string;
  at: number;
};

/**
 * How the POST of one transition to ALERT_WEBHOOK_URL went (lib/ops/alert-delivery.ts), as the
 * QStash callbacks told it. `at`: when this was recorded. `attempt`: for `unsent`, the publishes
 * to QStash that failed; otherwise the delivery attempts QStash made (1 = the first); `attempts`:
 * how many QStash may make (retries + 1). `status`: the receiver's last answer (null: none).
 */
export type AlertDelivery = {
  state: "unsent" | "sending" | "retrying" | "delivered" | "failed";
  at: number;
  attempt: number;
  attempts?: number;
  status?: number | null;
  messageId?: string;
  /** Why QStash could not be reached (unsent). */
  error?: string;
};

/** A history entry with its delivery: null when none was recorded (no ALERT_WEBHOOK_URL then). */
export type AlertHistoryEntry = AlertEvent & { delivery: AlertDelivery | null };

/** GET /api/ops/alerts. `webhook`: whether ALERT_WEBHOOK_URL is set (transitions are sent). */
export type AlertsAnswer = {
  alerts: AlertState[];
  history: AlertHistoryEntry[];
  webhook: { configured: boolean };
};

export type HealthStatus = "healthy" | "degraded" | "unhealthy";
export type Health = {
  status: HealthStatus;
  reasons: string[];
  checkedAt: number;
  checks: {
    redis: { ok: boolean; latencyMs: number | null; error?: string };
    qstash: { ok: boolean; latencyMs: number | null; dlqSize: number | null; error?: string };
    openai: {
      status: "ok" | "degraded" | "failing";
      recentFailures: number;
      lastError: string | null;
      /** The circuit breaker shared by every instance: open means jobs wait in QStash. */
      circuit: {
        state: "closed" | "open" | "half_open";
        failures: number;
        openUntil: number | null;
        opens: number;
      };
      /**
       * Background responses (lib/openai/background.ts): OPENAI_BACKGROUND and what this process
       * learned of the provider. Refused under "auto": calls are plain streams, and a call cut
       * off is paid again.
       */
      background: BackgroundCapability;
    };
    jobs: { successRate: number | null; windowMinutes: number };
    /** QStash's flow control toward the AI provider: a paused key holds every analysis. */
    flow: Pick<FlowState, "enabled" | "keys"> & { error: string | null };
    /** The maintenance schedule (every minute, /api/ops/tick) and the last tick it delivered. */
    schedule: ScheduleCheck;
  };
};

/**
 * `ensured`: what this process found when it made sure the schedule exists (null: not yet, or
 * QStash could not be asked: `error`). `lastTick`: the last tick recorded in ops:tick.
 */
export type ScheduleCheck = {
  enabled: boolean;
  scheduleId: string;
  cron: string;
  ensured: "created" | "updated" | "unchanged" | "paused" | null;
  error: string | null;
  lastTick: TickSummary | null;
};

/** What one maintenance tick did (lib/ops/maintenance.ts), as kept in ops:tick. Times epoch ms. */
export type TickSummary = {
  at: number;
  tookMs: number;
  /** Live (queued/running) jobs in the index it read. */
  live: number;
  /** Of those, the stranded ones it tried to revive (at most 50). */
  candidates: number;
  revived: number;
  /** Failed because they were over their bounds. */
  failed: number;
  /** Left as they were (a worker holds it, deliveries wait in flow control, QStash unreachable…). */
  left: number;
  /** Alert rules whose state this tick changed. */
  alertsChanged: number;
  activeAlerts: AlertRuleId[];
  /** Alert transitions left unsent earlier that it published again / that are still unsent. */
  alertsResent: number;
  alertsUnsent: number;
  /** Dead letters of earlier ticks QStash gave up on, removed by this one. */
  missedTicks: number;
  /** Messages in QStash's DLQ (null: QStash could not say). */
  dlq: number | null;
  scheduleId: string | null;
  messageId: string | null;
};

/** One occurrence as recorded (lib/telemetry/error-record.ts), of one of our analysis types. */
export type ErrorSample = RecordedSample & { analysisType: AnalysisType | null };

/** An error group: the event it groups (without one occurrence's detail) and its counts. */
export type ErrorGroupSummary = Omit<OpsErrorEvent, "detail"> & {
  /**
   * "input": the person's listing caused it (content policy, an empty or missing listing);
   * kept as a group to see, but not counted in the error rate, health or alerts. From the
   * code (lib/telemetry/error-codes.ts), so it holds for groups recorded before the table existed.
   */
  cause: "input" | "service";
  count: number;
  firstSeen: number;
  lastSeen: number;
  analysisTypes: AnalysisType[];
  status: "open" | "resolved";
  resolvedAt: number | null;
};

export type ErrorGroup = ErrorGroupSummary & { samples: ErrorSample[] };

export type OpsJobRow = {
  id: string;
  /** What the job works on (a listing's or a conversation's id). */
  subject: string;
  analysisType: AnalysisType;
  status: JobStatus;
  progress: number;
  attempt: number;
  createdAt: number;
  finishedAt: number | null;
  errorCode: string | null;
};

export type OpsJobDetail = {
  job: OpsJobRow & {
    params: Record<string, string | number | boolean>;
    step: StepInfo | null;
    startedAt: number | null;
    updatedAt: number;
    cancelRequested: boolean;
    usage: { inputTokens: number; outputTokens: number };
    /** Tokens the provider billed for it: cut-off, cancelled and repeated calls too. */
    billed: number;
    error: JobError | null;
    lastError: JobError | null;
    /** The QStash message id of the latest delivery. */
    messageId: string | null;
    visitor: string;
  };
  /** Finished steps in order, with when and on which attempt each was checkpointed. */
  steps: Array<{ name: string; at: number | null; attempt: number | null }>;
  /** Every delivery that leased the job: attempt number, when, QStash message id. */
  attempts: Array<{ attempt: number; at: number; messageId: string }>;
  /** Each time a person retried it: when, and how the run before had ended. */
  retries: Array<{ retry: number; at: number; previousStatus: string; errorCode: string | null }>;
};

export type DlqRow = {
  dlqId: string;
  messageId: string;
  url: string;
  label: string | null;
  createdAt: number;
  responseStatus: number | null;
  /** Sanitized, truncated. */
  responseBody: string | null;
  /** The job failed for good because of the person's listing (content policy…): not the service's failure. */
  inputCaused: boolean;
  jobId: string | null;
  job: {
    status: JobStatus;
    analysisType: AnalysisType;
    subject: string;
    errorCode: string | null;
  } | null;
};

export type DlqPage = { messages: DlqRow[]; cursor: string | null };
export type DlqReplay = { replayed: Array<{ dlqId: string; messageId: string }> };

/**
 * GET /api/ops/visitors (lib/ops/visitors.ts): who used the service over the last `windowDays`
 * UTC days, today included. A visitor is active on a day when it started, polled, canceled or
 * retried an analysis of its own that day (lib/telemetry/visits.ts). Distinct counts are
 * HyperLogLog estimates (standard error 0.81 %), null when the Redis behind the app has none.
 */
export type OpsVisitors = {
  generatedAt: number;
  windowDays: number;
  /** How long visitor data is kept (VISITOR_RETENTION_DAYS): days before it read as zero. */
  retentionDays: number;
  /** Distinct visitors today, over the last 7 and the last 30 UTC days (rolling, today included). */
  dau: number | null;
  wau: number | null;
  mau: number | null;
  /**
   * Oldest first. `active`: distinct visitors that day (an estimate); `returning`: of them, those
   * active on an earlier day within the retention window (counted exactly, so on a day where
   * nearly everyone returns it may exceed the estimate by its error).
   */
  days: Array<{ day: string; active: number | null; returning: number }>;
  /**
   * Hour of week, UTC: 0 is Monday 00:00–01:00, 167 Sunday 23:00–24:00; always 168 entries.
   * `visitors`: visitors active in that hour, summed over the window's days (one who comes back
   * in the same hour a week later counts twice); `starts`: analyses started.
   */
  peakHours: Array<{ hourOfWeek: number; visitors: number; starts: number }>;
  /** Analyses started over the window by type, most first, each with its param values (by name, most first). */
  usage: Array<{
    analysisType: string;
    starts: number;
    params: Array<{ name: string; value: string; starts: number }>;
  }>;
};
