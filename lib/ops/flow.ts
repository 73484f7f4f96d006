import "server-only";
import { QstashError, type FlowControlInfo } from "@upstash/qstash";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { notePaused, noteResumed, readPauses, type PauseRecord } from "@/lib/jobs/flow-pause";
import { flowControl } from "@/lib/jobs/publish";
import {
  BACKLOG_ROUNDS,
  isBacklog,
  type FlowAction,
  type FlowKeyRow,
  type FlowState,
} from "@/lib/ops/flow-types";
import { qstash } from "@/lib/qstash/client";
import { isUnreachable } from "@/lib/redis/unreachable";
import { log } from "@/lib/telemetry/log";

/**
 * QStash's flow control toward the AI provider as the operator sees and steers it, through the
 * SDK's client.flowControl only. The keys are the app's own (one per model, lib/jobs/publish.ts):
 * @upstash/qstash 2.12 has no call that lists keys, and the app needs none of another app's, so
 * each is read with one `get`. Costs QStash API calls, not Redis commands (one GET while a key is
 * paused, for when), and only when /ops or health is read, never per browser poll.
 */

/** The flow-control keys the app publishes under; none when flow control is off. */
export function appFlowKeys(): string[] {
  const flow = flowControl();
  return flow ? [flow.key] : [];
}

/** QStash's state of `key`, or null when it has none (404: nothing was published under it yet). */
async function info(key: string): Promise<FlowControlInfo | null> {
  try {
    return await qstash().flowControl.get(key);
  } catch (error) {
    if (error instanceof QstashError && error.status === 404) return null;
    throw error;
  }
}

function row(key: string, i: FlowControlInfo | null, pause?: PauseRecord): FlowKeyRow {
  const e = env();
  // No limit at QStash yet (no message under the key, only a pause): what the app's messages set.
  const limited = i !== null && (i.parallelismMax > 0 || i.rateMax > 0);
  const parallelism = limited ? i.parallelismMax : e.QSTASH_FLOW_PARALLELISM;
  const rateMax = limited ? i.rateMax : e.QSTASH_FLOW_RATE;
  const paused = i?.isPaused ?? false;
  const base = {
    key,
    known: i !== null,
    waiting: i?.waitListSize ?? 0,
    running: i?.parallelismCount ?? 0,
    parallelism: parallelism > 0 ? parallelism : null,
    rate:
      rateMax > 0
        ? {
            max: rateMax,
            periodS: i?.ratePeriod || e.QSTASH_FLOW_PERIOD_S,
            used: i?.rateCount ?? 0,
          }
        : null,
    paused,
    pausedSince: paused && pause && pause.resumedAt === null ? pause.pausedAt : null,
    pinned: { parallelism: i?.isPinnedParallelism ?? false, rate: i?.isPinnedRate ?? false },
  };
  return { ...base, backlog: isBacklog(base) };
}

const describe = (error: unknown) =>
  `${isUnreachable(error) ? "QStash unreachable" : "QStash could not say"}: ${
    error instanceof Error ? error.message.slice(0, 200) : String(error)
  }`;

/**
 * Every key of the app with its waitlist, deliveries under way, limits and pause; with `global`,
 * the account's parallelism too. QStash unreachable is an answer (`problem`), not a throw.
 * QStash API calls: one per key, plus one for `global`.
 */
export async function readFlow(o: { global: boolean } = { global: true }): Promise<FlowState> {
  const checkedAt = Date.now();
  const keys = appFlowKeys();
  const enabled = keys.length > 0;
  try {
    const [infos, global] = await Promise.all([
      Promise.all(keys.map(info)),
      o.global ? qstash().flowControl.getGlobalParallelism() : null,
    ]);
    const paused = keys.filter((_, n) => infos[n]?.isPaused);
    // Since when: a Redis read only while a key is paused; without it the pause is still shown.
    const pauses = paused.length
      ? await readPauses(paused).catch(() => new Map<string, PauseRecord>())
      : new Map<string, PauseRecord>();
    const rows = keys.map((k, n) => row(k, infos[n], pauses.get(k)));
    return { checkedAt, enabled, keys: rows, global, problem: null };
  } catch (error) {
    return { checkedAt, enabled, keys: [], global: null, problem: describe(error) };
  }
}

/** The app's key named `key`, or a 404 that says which keys there are. */
function appKey(key: string): string {
  const keys = appFlowKeys();
  if (keys.includes(key)) return key;
  throw new AppError(
    "not_found:flow_key",
    keys.length
      ? `tabsafe publishes under no flow-control key "${key}" (its key: ${keys.join(", ")}).`
      : "Flow control is off (QSTASH_FLOW_PARALLELISM and QSTASH_FLOW_RATE are 0): there is no key.",
  );
}

/**
 * Pauses or resumes one of the app's keys. Pausing holds every analysis in QStash, the waiting
 * ones and each new one, until it is resumed; deliveries under way finish. Idempotent (`changed`
 * false when it already was so). Logged, and the pause is noted in Redis: when it began (shown
 * on /ops and in health) and, for the jobs that waited behind it, how long it lasted
 * (lib/jobs/flow-pause.ts). Throws (503) when QStash cannot be reached: nothing changed then.
 */
export async function setFlowPaused(key: string, pause: boolean): Promise<FlowAction> {
  appKey(key);
  const [before, records] = await Promise.all([info(key), readPauses([key])]);
  const record = records.get(key);
  const changed = (before?.isPaused ?? false) !== pause;
  const now = Date.now();
  if (pause) await qstash().flowControl.pause(key);
  else await qstash().flowControl.resume(key);
  // QStash has done it; a record that cannot be written only loses "since when".
  let note: Promise<void> | null = null;
  if (pause && changed) note = notePaused(key, now);
  if (!pause && record?.resumedAt === null) note = noteResumed(key, record, now);
  await note?.catch((error) =>
    log("warn", "flow_pause_unrecorded", { key, error: String(error).slice(0, 200) }),
  );
  const since = pause && changed ? { pausedAt: now, resumedAt: null } : record;
  const after = row(key, await info(key), since);
  // Operator actions, logged at warn so that a quiet LOG_LEVEL still keeps them.
  if (pause)
    log("warn", "flow_paused", { key, changed, waiting: after.waiting, running: after.running });
  else
    log("warn", "flow_resumed", {
      key,
      changed,
      waiting: after.waiting,
      pausedForMs: record && record.resumedAt === null ? now - record.pausedAt : null,
    });
  return { flow: after, changed };
}

/** What health says of the flow: a paused key, a backlog, or that QStash could not tell. */
export function flowReasons(state: FlowState): string[] {
  if (state.problem) return [`Flow control unknown: ${state.problem}`];
  return state.keys.flatMap((k) => {
    if (k.paused) {
      const since = k.pausedSince
        ? ` since ${new Date(k.pausedSince).toISOString()}`
        : " (not from /ops: since unknown)";
      const wait = k.waiting === 1 ? "delivery waits" : "deliveries wait";
      return [
        `Flow control ${k.key} paused${since}: ${k.waiting} ${wait} in QStash and no analysis runs until it is resumed`,
      ];
    }
    if (!k.backlog) return [];
    const limit = k.parallelism
      ? `parallelism (${k.parallelism})`
      : `rate (${k.rate?.max} per ${k.rate?.periodS} s)`;
    return [
      `Flow control ${k.key}: ${k.waiting} deliveries waiting, more than ${BACKLOG_ROUNDS} rounds of its ${limit}: analyses start late`,
    ];
  });
}
