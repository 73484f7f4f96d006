import { z } from "zod";

/**
 * Every environment variable tabsafe reads, parsed once. Names follow Upstash's and OpenAI's own
 * so the SDK docs apply as written. `.env.example` documents each one with a working local
 * default (the stand-ins under dev/); `.env.local` overrides them with real credentials.
 */
const url = (name: string) =>
  z
    .url({ error: `${name} must be an absolute http(s) URL` })
    .transform((u) => u.replace(/\/+$/, ""));
const secret = (name: string) =>
  z.string({ error: `${name} is required` }).min(1, `${name} is required`);

const count = (name: string, fallback: number) =>
  z.coerce
    .number({ error: `${name} must be a whole number` })
    .int(`${name} must be a whole number`)
    .min(0, `${name} must be positive`)
    .default(fallback);

/** "requests/seconds" (a sliding window), or "0" for no limit. */
const perWindow = (name: string, fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine(
      (v) => v === "0" || /^[1-9]\d*\/[1-9]\d*$/.test(v),
      `${name} must look like "10/60" (requests/seconds) or "0"`,
    )
    .transform((v) =>
      v === "0" ? null : { requests: Number(v.split("/")[0]), seconds: Number(v.split("/")[1]) },
    );

/** "count/bytes", or "0" for no quota. */
const perQuota = (name: string, fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine(
      (v) => v === "0" || /^\d+\/\d+$/.test(v),
      `${name} must look like "20/2000000" (listings/bytes) or "0"`,
    )
    .transform((v) =>
      v === "0"
        ? { count: 0, bytes: 0 }
        : { count: Number(v.split("/")[0]), bytes: Number(v.split("/")[1]) },
    );

const schema = z.object({
  UPSTASH_REDIS_REST_URL: url("UPSTASH_REDIS_REST_URL"),
  UPSTASH_REDIS_REST_TOKEN: secret("UPSTASH_REDIS_REST_TOKEN"),
  QSTASH_URL: url("QSTASH_URL"),
  QSTASH_TOKEN: secret("QSTASH_TOKEN"),
  QSTASH_CURRENT_SIGNING_KEY: secret("QSTASH_CURRENT_SIGNING_KEY"),
  QSTASH_NEXT_SIGNING_KEY: secret("QSTASH_NEXT_SIGNING_KEY"),
  OPENAI_API_KEY: secret("OPENAI_API_KEY"),
  /** Empty means the real OpenAI API. */
  OPENAI_BASE_URL: z.union([z.literal(""), url("OPENAI_BASE_URL")]).default(""),
  OPENAI_MODEL: z.string().min(1).default("gpt-5-mini"),
  /** "input,output" US dollars per 1M tokens of OPENAI_MODEL, for the cost estimate on /ops; empty: list prices. */
  OPENAI_PRICE_PER_MTOK: z
    .string()
    .default("")
    .refine(
      (v) => v === "" || /^\d+(\.\d+)?,\d+(\.\d+)?$/.test(v),
      "OPENAI_PRICE_PER_MTOK must look like 0.25,2",
    )
    .transform((v) => (v ? (v.split(",").map(Number) as [number, number]) : null)),
  /**
   * The public origin QStash calls (webhook URLs are built from it and the JWT `sub` claim is
   * checked against it). Behind a proxy or tunnel this is the outside URL, never the Host header.
   */
  APP_BASE_URL: url("APP_BASE_URL"),
  /** Signs the anonymous session cookie that says who owns a job (HMAC-SHA256). At least 16 characters. */
  SESSION_SECRET: z
    .string({ error: "SESSION_SECRET is required" })
    .min(16, "SESSION_SECRET needs at least 16 characters"),
  /** How long a finished job (and its checkpoints) stays readable, in seconds. */
  JOB_RETENTION_SECONDS: count("JOB_RETENTION_SECONDS", 24 * 3600),
  /** How long a start with the same identity returns the same job, in seconds. */
  JOB_DEDUPE_SECONDS: count("JOB_DEDUPE_SECONDS", 3600),
  /** Work time one consume delivery allows itself before handing over to a continuation, in ms. Keep it well below the consume route's maxDuration. */
  CONSUME_TIME_BUDGET_MS: count("CONSUME_TIME_BUDGET_MS", 240_000),
  /** Lease length, in ms; renewed by every progress write, so a crashed worker's job is free again this soon. */
  JOB_LEASE_MS: count("JOB_LEASE_MS", 30_000),
  /** Overrides every analysis type's own timeout (ms of running under a lease); 0 keeps each type's. */
  JOB_TIMEOUT_MS: count("JOB_TIMEOUT_MS", 0),
  /** An OpenAI stream that sends nothing for this long is aborted and retried, in ms. */
  OPENAI_STALL_TIMEOUT_MS: count("OPENAI_STALL_TIMEOUT_MS", 60_000),
  /**
   * Model calls as OpenAI background responses, resumed by later deliveries instead of paid
   * again (lib/openai/background.ts): auto (until the provider refuses once), on, off.
   */
  OPENAI_BACKGROUND: z.enum(["auto", "on", "off"]).default("auto"),
  /**
   * QStash delivery retries per message, within what the plan allows (Upstash's docs listed a
   * Max Retry Count of 3 free, 5 pay-as-you-go, 20 fixed until July 2026; none since). After the
   * last one the failure callback revives the job, or fails it once JOB_MAX_AGE_MS is spent.
   */
  QSTASH_RETRIES: count("QSTASH_RETRIES", 3).refine(
    (n) => n <= 20,
    "QSTASH_RETRIES may be at most 20 (QStash's largest plan)",
  ),
  /** The first retry's delay, in ms: short, because a person is usually waiting. */
  QSTASH_RETRY_DELAY_MS: count("QSTASH_RETRY_DELAY_MS", 2_000).refine(
    (n) => n >= 100,
    "QSTASH_RETRY_DELAY_MS must be at least 100",
  ),
  /**
   * How long the retries of one message keep trying, in ms (the delays grow geometrically from
   * QSTASH_RETRY_DELAY_MS so that their sum is this): the longest outage of the consume endpoint
   * a message outlives on its own. Default 15 min.
   */
  QSTASH_RETRY_SPAN_MS: count("QSTASH_RETRY_SPAN_MS", 900_000),
  /**
   * A queued or running job with no live lease and no sign of life for this long (past any wait
   * it announced) is revived: published again with a fresh deduplication id, in ms.
   */
  JOB_STALE_MS: count("JOB_STALE_MS", 60_000).refine(
    (n) => n >= 1_000,
    "JOB_STALE_MS must be at least 1000",
  ),
  /**
   * How long a job may take from being queued to its end, waiting included (app, Redis or the AI
   * provider down), in ms; past it the job fails with a clear message and Retry keeps its
   * finished steps. Time spent running under a lease is bounded by each type's own timeout.
   */
  JOB_MAX_AGE_MS: count("JOB_MAX_AGE_MS", 30 * 60_000),
  /**
   * The operator's token for /ops and /api/ops/* (sent as a bearer token, or exchanged for an
   * httpOnly cookie by the /ops sign-in form). Empty disables the ops pages. At least 16 characters.
   */
  OPS_TOKEN: z
    .union([
      z.literal(""),
      z
        .string()
        .min(16, "OPS_TOKEN needs at least 16 characters (or leave it empty to disable /ops)"),
    ])
    .default(""),
  /** How long per-minute metric buckets are kept, in days. */
  METRICS_MINUTE_RETENTION_DAYS: count("METRICS_MINUTE_RETENTION_DAYS", 7),
  /** How long per-hour metric buckets are kept, in days. */
  METRICS_HOUR_RETENTION_DAYS: count("METRICS_HOUR_RETENTION_DAYS", 90),
  /**
   * How long visitor analytics are kept, in days (lib/telemetry/visits.ts): the day HyperLogLogs,
   * the usage by day and each visitor's last-seen hour, which also bounds how far back a
   * visitor counts as returning. At least 30: the monthly count unions the last 30 days.
   */
  VISITOR_RETENTION_DAYS: count("VISITOR_RETENTION_DAYS", 90).refine(
    (n) => n >= 30,
    "VISITOR_RETENTION_DAYS must be at least 30 (the monthly count reads 30 days)",
  ),
  /** How long an error group and its samples are kept after it last occurred, in days. */
  ERROR_RETENTION_DAYS: count("ERROR_RETENTION_DAYS", 30),
  /** The window alert rules are evaluated over, in minutes. */
  ALERT_WINDOW_MINUTES: count("ALERT_WINDOW_MINUTES", 15),
  /**
   * Where each alert transition (fired, resolved) is POSTed as JSON, through QStash (retried,
   * deduplicated per transition): a Slack incoming webhook reads its `text`. Empty: none is sent.
   */
  ALERT_WEBHOOK_URL: z.union([z.literal(""), url("ALERT_WEBHOOK_URL")]).default(""),
  /**
   * QStash flow control toward the AI provider (one key per model): at most this many consume
   * deliveries at once, everywhere; 0 turns flow control off. Jobs over it wait in QStash.
   */
  QSTASH_FLOW_PARALLELISM: count("QSTASH_FLOW_PARALLELISM", 20),
  /** …and at most this many deliveries started per QSTASH_FLOW_PERIOD_S; 0: no rate limit. */
  QSTASH_FLOW_RATE: count("QSTASH_FLOW_RATE", 0),
  QSTASH_FLOW_PERIOD_S: count("QSTASH_FLOW_PERIOD_S", 60),
  /** The share of a batch's analyses that must succeed for the batch to succeed (0–1), unless the request says otherwise. */
  BATCH_MIN_SUCCESS: z.coerce
    .number({ error: "BATCH_MIN_SUCCESS must be a number between 0 and 1" })
    .gt(0)
    .max(1)
    .default(0.8),
  /** Analyses one visitor may start per window: "requests/seconds" (sliding window); "0" turns the limit off. */
  START_RATE_LIMIT: perWindow("START_RATE_LIMIT", "10/60"),
  /** …and from one client address, whatever cookies it sends (a retry and each child of a batch count as a start). */
  START_RATE_LIMIT_PER_ADDRESS: perWindow("START_RATE_LIMIT_PER_ADDRESS", "30/60"),
  /** Listings one visitor may paste per window. */
  LISTING_RATE_LIMIT: perWindow("LISTING_RATE_LIMIT", "10/600"),
  /** …and one client address. */
  LISTING_RATE_LIMIT_PER_ADDRESS: perWindow("LISTING_RATE_LIMIT_PER_ADDRESS", "30/600"),
  /**
   * What one visitor's pasted listings and uploaded conversations may hold together while they
   * are kept (7 days): "items/bytes"; "0": no quota. They expire as before; their place frees
   * with them. 10 MB: a few full-size (2 MB) uploads.
   */
  LISTING_QUOTA_PER_VISITOR: perQuota("LISTING_QUOTA_PER_VISITOR", "20/10000000"),
  /** …and all of one client address's. */
  LISTING_QUOTA_PER_ADDRESS: perQuota("LISTING_QUOTA_PER_ADDRESS", "100/50000000"),
  /** New anonymous sessions one client address may be given per window (a fresh cookie must not reset a limit). */
  SESSION_MINT_LIMIT_PER_ADDRESS: perWindow("SESSION_MINT_LIMIT_PER_ADDRESS", "60/3600"),
  /**
   * Failed operator sign-ins (wrong token, by form or Bearer) one client address may make per
   * window before it is answered 429; "0": no limit.
   */
  OPS_AUTH_LIMIT: perWindow("OPS_AUTH_LIMIT", "5/60"),
  /** Failed operator sign-ins per window that lock the address out for the whole window (and raise an alert). */
  OPS_LOCKOUT: perWindow("OPS_LOCKOUT", "20/900"),
  /**
   * Tokens the AI provider may bill per UTC day, all visitors together (cut-off and canceled
   * calls included); once spent, new analyses are refused until midnight UTC, running ones finish.
   * 0: no budget (billed tokens are still counted and shown on /ops).
   */
  OPENAI_BUDGET_TOKENS_PER_DAY: count("OPENAI_BUDGET_TOKENS_PER_DAY", 5_000_000),
  /** …and per visitor. */
  OPENAI_BUDGET_TOKENS_PER_VISITOR_PER_DAY: count(
    "OPENAI_BUDGET_TOKENS_PER_VISITOR_PER_DAY",
    250_000,
  ),
  /** How long a finished analysis answers identical ones (same listing content, type, params, model) at once, in s; 0 turns the cache off. */
  RESULT_CACHE_SECONDS: count("RESULT_CACHE_SECONDS", 24 * 3600),
  /** The AI provider's circuit opens after this many of its own failures in a row (no success between). */
  CIRCUIT_FAILURE_THRESHOLD: count("CIRCUIT_FAILURE_THRESHOLD", 5),
  /** How long an open circuit keeps jobs waiting in QStash before one probe may try, in ms. */
  CIRCUIT_COOLDOWN_MS: count("CIRCUIT_COOLDOWN_MS", 30_000),
  /**
   * The request header the platform in front of the app sets to the client's address
   * (x-forwarded-for on Vercel and most proxies; x-real-ip, cf-connecting-ip…); empty: none is
   * trusted and every request counts as one address. Limits per address read it.
   */
  CLIENT_ADDRESS_HEADER: z
    .string()
    .regex(/^[a-z0-9-]*$/, "CLIENT_ADDRESS_HEADER must be a lower-case header name")
    .default("x-forwarded-for"),
  /** Which entry of a comma-separated CLIENT_ADDRESS_HEADER is the client, counted from the right (1: the last one, added by the nearest proxy). */
  CLIENT_ADDRESS_HOPS: count("CLIENT_ADDRESS_HOPS", 1).refine(
    (n) => n >= 1,
    "CLIENT_ADDRESS_HOPS must be at least 1",
  ),
  /**
   * The maintenance schedule (lib/ops/schedule.ts): a QStash schedule, every minute, to
   * /api/ops/tick, which evaluates the alerts, sweeps stranded jobs and watches the DLQ. Created
   * or updated at server start. off: no schedule is made (previews, whose APP_BASE_URL differs,
   * must not redirect production's; test stacks that must not tick).
   */
  OPS_SCHEDULE: z.enum(["on", "off"]).default("on"),
  /** The schedule's id in QStash (chosen, so creating it again overwrites it rather than adding one). */
  OPS_SCHEDULE_ID: z
    .string()
    .regex(
      /^[A-Za-z0-9._-]{1,100}$/,
      "OPS_SCHEDULE_ID may only hold letters, digits, '.', '_' and '-' (at most 100)",
    )
    .default("tabsafe-maintenance"),
  /** The quietest structured log line written: info (every delivery and step), warn or error. */
  LOG_LEVEL: z.enum(["info", "warn", "error"]).default("info"),
  /** Prefix for every Redis key this app writes; tests give each suite its own. */
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]*$/, "REDIS_KEY_PREFIX may only hold [A-Za-z0-9:_-]")
    .default(""),
});

export type Env = z.infer<typeof schema>;

export class EnvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EnvError";
  }
}

/** Parses `source` and names every variable that is missing or malformed. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  - ${issue.path.join(".")}: ${issue.message}`);
  throw new EnvError(`tabsafe: invalid environment (see .env.example):\n${lines.join("\n")}`);
}

let cached: Env | undefined;

/**
 * The parsed environment. Parsed on first use rather than at import time so `next build` can
 * load route modules without credentials; the first request fails loudly instead.
 */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** True when OpenAI calls go to the local simulator (loopback), so the UI can say so. */
export function usesOpenAISimulator(e: Env = env()): boolean {
  if (!e.OPENAI_BASE_URL) return false;
  const host = new URL(e.OPENAI_BASE_URL).hostname;
  return host === "localhost" || host === "127.0.0.1" || host === "[::1]";
}
