/**
 * The QStash retry policy of every consume message: fast first (a person is usually waiting),
 * then growing geometrically so that the retries together span QSTASH_RETRY_SPAN_MS — the
 * longest outage of the consume endpoint (a deploy, a failed cold start, a region blip) that a
 * message outlives on its own. Beyond that span the failure callback and the revive path take
 * over (lib/jobs/revive.ts).
 *
 * QStash evaluates the expression with `retried` = 0 before the first retry (Upstash docs:
 * features/retry); a Retry-After the consume route answers with wins over it.
 */
export type RetryPolicy = {
  /** Retries after the first delivery (QStash's Upstash-Retries). */
  retries: number;
  /** Delay before the first retry, in ms. */
  firstDelayMs: number;
  /** What the delays add up to, in ms. */
  spanMs: number;
};

/** QStash caps every retry delay at one day. */
const MAX_DELAY_MS = 86_400_000;

/**
 * The growth factor g with firstDelayMs · (1 + g + … + g^(retries-1)) ≥ spanMs, rounded up to
 * 3 decimals (QStash's expression language has no logarithms, so it is computed here). At least
 * 1: a span the first delays already cover needs no growth.
 */
export function growthFactor({ retries, firstDelayMs, spanMs }: RetryPolicy): number {
  if (retries <= 1 || firstDelayMs * retries >= spanMs) return 1;
  const sum = (g: number) => firstDelayMs * ((g ** retries - 1) / (g - 1));
  let [low, high] = [1.000001, 2];
  while (sum(high) < spanMs) high *= 2;
  for (let i = 0; i < 60; i++) {
    const mid = (low + high) / 2;
    if (sum(mid) < spanMs) low = mid;
    else high = mid;
  }
  return Math.ceil(high * 1000) / 1000;
}

/** The Upstash-Retry-Delay expression (ms, over `retried`) of the policy. */
export function retryDelayExpression(policy: RetryPolicy): string {
  const g = growthFactor(policy);
  const first = Math.round(policy.firstDelayMs);
  return g === 1
    ? `min(${MAX_DELAY_MS}, ${first})`
    : `min(${MAX_DELAY_MS}, round(${first} * pow(${g}, retried)))`;
}

/** The delay before retry number `retried` (0-based), in ms: what QStash computes from the expression. */
export function retryDelayMs(policy: RetryPolicy, retried: number): number {
  return Math.min(MAX_DELAY_MS, Math.round(policy.firstDelayMs * growthFactor(policy) ** retried));
}

/** Every delay of the policy, in ms, for the README and the operator. */
export function retrySchedule(policy: RetryPolicy): number[] {
  return Array.from({ length: policy.retries }, (_, n) => retryDelayMs(policy, n));
}
