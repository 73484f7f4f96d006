/**
 * What GET /api/ops/flow and the flow-control actions answer: QStash's flow control toward the
 * AI provider, per key the app publishes under (lib/jobs/publish.ts). Shared by server and client
 * (no server-only imports). Times are epoch ms, periods seconds.
 */

export type FlowKeyRow = {
  key: string;
  /** False while QStash has no record of the key (nothing published under it yet): counts are 0, limits the app's. */
  known: boolean;
  /** Deliveries due but held back, by the pause or the limits (QStash's waitListSize). */
  waiting: number;
  /** Deliveries under way now (parallelismCount). */
  running: number;
  /** Most deliveries at once; null: no parallelism limit. */
  parallelism: number | null;
  /** Most deliveries started per period, and how many started in the current one; null: no rate limit. */
  rate: { max: number; periodS: number; used: number } | null;
  /** Held: no delivery under the key starts until it is resumed. */
  paused: boolean;
  /** When it was paused from /ops; null when it is not paused, or was paused elsewhere (the Upstash console). */
  pausedSince: number | null;
  /** A pinned limit overrides what the messages carry (set in the Upstash console). */
  pinned: { parallelism: boolean; rate: boolean };
  /** The waitlist holds more than BACKLOG_ROUNDS rounds of the key's limit: analyses start late. */
  backlog: boolean;
};

export type FlowState = {
  checkedAt: number;
  /** False when QSTASH_FLOW_PARALLELISM and QSTASH_FLOW_RATE are both 0: messages carry no key. */
  enabled: boolean;
  keys: FlowKeyRow[];
  /** Deliveries in flight over the whole QStash account, and its plan's maximum; null when not asked or unknown. */
  global: { parallelismMax: number; parallelismCount: number } | null;
  /**
   * Why QStash could not say (unreachable, or an answer it should not give); the keys are then
   * empty. Not `error`: that name is the API's error body, and this answer is a 200.
   */
  problem: string | null;
};

/** The answer to POST /api/ops/flow/pause and /resume: the key after the action. */
export type FlowAction = { flow: FlowKeyRow; changed: boolean };

/** A waitlist longer than this many rounds of its limit (parallelism, else rate) is a backlog. */
export const BACKLOG_ROUNDS = 5;

/** Does `row`'s waitlist hold more than BACKLOG_ROUNDS rounds of its limit? Pure. */
export function isBacklog(row: Pick<FlowKeyRow, "waiting" | "parallelism" | "rate">): boolean {
  const round = row.parallelism ?? row.rate?.max ?? 1;
  return row.waiting > BACKLOG_ROUNDS * round;
}
