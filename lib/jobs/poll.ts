import "server-only";
import { fromHash, type Job } from "@/lib/jobs/schema";
import { FIND_JOB, POLL_JOB } from "@/lib/jobs/poll-scripts";
import { keys } from "@/lib/redis/keys";
import { pairsToRecord } from "@/lib/redis/script";
import { metricKeys, metricTtls } from "@/lib/telemetry/metric-write";
import { giveBackCounts, takeDueCounts } from "@/lib/telemetry/request-stats";
import { visitTouch } from "@/lib/telemetry/visits";

/**
 * The reads of a browser following its job: a status poll by id and the lookup by identity after
 * a refresh. Each is one Redis command, a script that also records the visit
 * (lib/telemetry/visits.ts) when the job is the visitor's — counting visitors costs a poll nothing.
 */

/**
 * A status poll by `owner`: the job in one command (POLL_JOB), which also records the visit and
 * carries this instance's API counters when due (lib/telemetry/request-stats.ts). Null when the
 * job is gone or another owner's: then nothing was written, and the counters wait for a later poll.
 */
export async function pollJob(id: string, owner: string, now = Date.now()): Promise<Job | null> {
  const due = takeDueCounts();
  const visit = visitTouch(owner, now);
  let reply: Awaited<ReturnType<typeof POLL_JOB.run>>;
  try {
    reply = await POLL_JOB.run({
      keys: { job: keys.job(id), ...metricKeys(now), ...visit.keys },
      args: { owner, ...metricTtls(), ...visit.args },
      rest: due,
    });
  } catch (error) {
    giveBackCounts(due);
    throw error;
  }
  if (reply.outcome === "refused") {
    giveBackCounts(due);
    return null;
  }
  return fromHash(id, pairsToRecord(reply.values[0]));
}

/** The live job of an identity (its dedupe key), in one command; the visit of `owner` is recorded. */
export async function findJobByIdentity(
  dedupeKey: string,
  owner: string,
  now = Date.now(),
): Promise<Job | null> {
  const jobPrefix = keys.jobPrefix();
  const visit = visitTouch(owner, now);
  const reply = await FIND_JOB.run({
    keys: { dedupe: dedupeKey, ...visit.keys },
    args: { jobPrefix, owner, ...visit.args },
  });
  const out = reply as [string, unknown] | [];
  return out.length ? fromHash(out[0], pairsToRecord(out[1])) : null;
}
