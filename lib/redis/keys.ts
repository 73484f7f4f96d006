import { env } from "@/lib/env";

/**
 * The only place Redis key names are made. Names are a contract with the operator reading the
 * Upstash data browser (README.md, "Reading the Upstash console"), so each says what it holds:
 *
 *   listing:{id}                                          hash    a pasted listing (title, text)   7 d
 *   conversation:{id}                                     hash    an uploaded conversation (text…)  7 d
 *   listings:owner:{owner} · listings:address:{hash}      zset    "{id} {bytes}" of pasted listings
 *                                                                 and conversations (quotas)  7 d
 *   job:{id}                                              hash    the job                          24 h after it ends
 *   job:{id}:steps                                        hash    one checkpoint per finished step same as the job
 *   job:{id}:lease                                        string  lease token of the running worker lease deadline
 *   job:byIdentity:{analysisType}:{identityHash}          string  job id (dedupe)                  1 h
 *   jobs:owner:{owner}                                    zset    job ids by createdAt              rolling
 *   stackcheck:{nonce}                                    string  proof a QStash delivery arrived   60 s
 *   jobs:active                                           zset    live (queued/running) job ids    rolling
 *   jobs:recent                                           zset    every job id by createdAt (ops)  rolling, job retention
 *   metrics:minute:{YYYY-MM-DDTHH:MM}                     hash    counters of one UTC minute       7 d
 *   metrics:hour:{YYYY-MM-DDTHH}                          hash    counters of one UTC hour         90 d
 *   errors:groups                                         zset    error fingerprints by last seen  30 d
 *   errors:group:{fingerprint}                            hash    one error group                  30 d after last seen
 *   errors:group:{fingerprint}:samples                    list    recent sanitized samples (JSON)  same
 *   cache:result:{type}:{hash}                            string  "{job id} {result JSON}" of an identical analysis  RESULT_CACHE_SECONDS
 *   ratelimit:{limit}:{who}…                              @upstash/ratelimit's sliding windows (start, ops:failure…)  2 windows
 *   ops:session:{sha256 of the session id}               string  an operator's signed-in session  12 h
 *   ops:lockout:{address hash}                            string  an address locked out of ops sign-in  OPS_LOCKOUT window
 *   batch:{id}                                            hash    a batch: owner, type, params, jobIds, minSuccess  2× job retention
 *   batches:owner:{owner}                                 zset    a visitor's batches by createdAt  same
 *   circuit:openai                                        hash    the AI provider's circuit breaker 1 d after last change
 *   alerts:state                                          hash    rule → current state (JSON)      90 d
 *   alerts:history                                        list    alert transitions (JSON)         90 d
 *   alerts:delivery                                       hash    transition id → its webhook delivery (JSON)  90 d
 *   budget:day:{YYYY-MM-DD} · budget:hour:{YYYY-MM-DDTHH}   hash    billed tokens: total, vh_… per visitor  3 d · 2 d
 *   qstash:seen:{jti}                                     string  a verified delivery token's id (replays refused)  until it expires
 *   flow:pause:{flowControlKey}                           string  the last pause from /ops (JSON: pausedAt, resumedAt)  30 d paused · 1 d after
 *   visitors:day:{YYYY-MM-DD}                             HLL     visitor hashes active that UTC day  VISITOR_RETENTION_DAYS after the day
 *   visitors:usage:{YYYY-MM-DD}                           hash    that day's returning visitors, active
 *                                                                 visitors and starts by UTC hour, starts
 *                                                                 by type and param value  same
 *   visitors:last:{visitorHash}                           string  the UTC hour a visitor was last active  same, after that hour's day
 *   ops:tick                                              hash    the last maintenance tick (at, tookMs, revived, failed…)  7 d
 *   ops:tick:lock                                         string  the id of the tick running now (one sweep at a time)  55 s
 *
 * `REDIS_KEY_PREFIX` (empty in production) lets test suites share one Redis without colliding.
 */
const p = () => env().REDIS_KEY_PREFIX;

export const keys = {
  listing: (id: string) => `${p()}listing:${id}`,
  /** An uploaded conversation: it counts against the listing quotas (lib/listings/quota.ts). */
  conversation: (id: string) => `${p()}conversation:${id}`,
  /** A visitor's pasted listings, "{id} {bytes}" by creation time (their storage quota). */
  ownerListings: (owner: string) => `${p()}listings:owner:${owner}`,
  /** `address` is a keyed hash of a client address: its visitors' pasted listings, as above. */
  addressListings: (address: string) => `${p()}listings:address:${address}`,
  job: (id: string) => `${p()}job:${id}`,
  /** What a job id is appended to, for scripts that follow a dedupe key to its job. */
  jobPrefix: () => `${p()}job:`,
  jobSteps: (id: string) => `${p()}job:${id}:steps`,
  jobLease: (id: string) => `${p()}job:${id}:lease`,
  /** `identityHash` covers the owner, the kind's canonical input and params (lib/jobs/identity.ts). */
  jobByIdentity: (analysisType: string, identityHash: string) =>
    `${p()}job:byIdentity:${analysisType}:${identityHash}`,
  ownerJobs: (owner: string) => `${p()}jobs:owner:${owner}`,
  stackCheck: (nonce: string) => `${p()}stackcheck:${nonce}`,
  activeJobs: () => `${p()}jobs:active`,
  recentJobs: () => `${p()}jobs:recent`,
  /** `minute` as from lib/telemetry/metric-keys.ts minuteId(): "2026-12-01T07:05". */
  metricsMinute: (minute: string) => `${p()}metrics:minute:${minute}`,
  metricsHour: (hour: string) => `${p()}metrics:hour:${hour}`,
  errorGroups: () => `${p()}errors:groups`,
  errorGroup: (fingerprint: string) => `${p()}errors:group:${fingerprint}`,
  errorSamples: (fingerprint: string) => `${p()}errors:group:${fingerprint}:samples`,
  /** `hash` covers the content the kind's result depends on, the model and the canonical params. */
  resultCache: (analysisType: string, hash: string) => `${p()}cache:result:${analysisType}:${hash}`,
  /** @upstash/ratelimit appends who is limited (a visitor, a hashed address) and the window to this prefix. */
  rateLimitPrefix: (limit: string) => `${p()}ratelimit:${limit}`,
  /** `idHash` is the SHA-256 of an operator session id (the cookie holds the id, Redis only its hash). */
  opsSession: (idHash: string) => `${p()}ops:session:${idHash}`,
  /** `address` is a keyed hash of a client address (lib/http/client-address.ts). */
  opsLockout: (address: string) => `${p()}ops:lockout:${address}`,
  batch: (id: string) => `${p()}batch:${id}`,
  ownerBatches: (owner: string) => `${p()}batches:owner:${owner}`,
  circuit: () => `${p()}circuit:openai`,
  alertState: () => `${p()}alerts:state`,
  alertHistory: () => `${p()}alerts:history`,
  /** One field per alert transition sent to ALERT_WEBHOOK_URL (lib/ops/alert-delivery.ts): how its delivery went. */
  alertDelivery: () => `${p()}alerts:delivery`,
  /** Billed tokens of one UTC day ("2026-12-01") / hour ("2026-12-01T07"): `total` and one field per visitor hash. */
  budgetDay: (day: string) => `${p()}budget:day:${day}`,
  budgetHour: (hour: string) => `${p()}budget:hour:${hour}`,
  /** A HyperLogLog of the keyed visitor hashes (vh_…) active on one UTC day ("2026-12-01"). */
  visitorsDay: (day: string) => `${p()}visitors:day:${day}`,
  /** Counters of one UTC day's visitors and starts (lib/telemetry/visits.ts names the fields). */
  visitorsUsage: (day: string) => `${p()}visitors:usage:${day}`,
  /** `visitor` is the keyed hash (lib/telemetry/visitor.ts), never the owner or session id. */
  visitorLast: (visitor: string) => `${p()}visitors:last:${visitor}`,
  /** `jti` is the unique id of a verified Upstash-Signature token. */
  seenSignature: (jti: string) => `${p()}qstash:seen:${jti}`,
  /** `flowKey` is a QStash flow-control key the app publishes under (lib/jobs/publish.ts). */
  flowPause: (flowKey: string) => `${p()}flow:pause:${flowKey}`,
  /** The last maintenance tick (lib/ops/maintenance.ts): what it did and when. */
  opsTick: () => `${p()}ops:tick`,
  /** Held by the tick running now, so two overlapping ticks do not both sweep. */
  opsTickLock: () => `${p()}ops:tick:lock`,
};

/** Time-to-live of each kind of key, in seconds. */
export const ttl = {
  listing: 7 * 24 * 3600,
  /** The owner's history index is renewed by every start. */
  ownerJobs: 30 * 24 * 3600,
  stackCheck: 60,
  alerts: 90 * 24 * 3600,
  circuit: 24 * 3600,
  /** A pause record while the flow is paused (a pause past it forgets when it began)… */
  flowPaused: 30 * 24 * 3600,
  /** …and once it is resumed: the deliveries that waited through it are long delivered by then. */
  flowResumed: 24 * 3600,
  /** The last tick: long enough that health still sees, after days, that ticks stopped. */
  opsTick: 7 * 24 * 3600,
};
