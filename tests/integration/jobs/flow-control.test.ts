import { describe, expect, it } from "vitest";
import { LONG_LISTING, SHORT_LISTING, waitForStatus } from "../../helpers/jobs.ts";
import { useTestStack } from "../../helpers/stack.ts";
import { Visitor } from "../../helpers/visitor.ts";

const stack = useTestStack({ env: { QSTASH_FLOW_PARALLELISM: "2" } });

/** The most jobs that had an OpenAI call in flight at the same moment. */
function maxJobsAtOnce(
  calls: Array<{ startedAt: number; endedAt?: number; metadata?: Record<string, unknown> }>,
): number {
  const edges = calls.flatMap((c) => [
    { t: c.startedAt, d: 1, job: String(c.metadata?.job_id) },
    { t: c.endedAt ?? Infinity, d: -1, job: String(c.metadata?.job_id) },
  ]);
  edges.sort((a, b) => a.t - b.t || a.d - b.d);
  const live = new Map<string, number>();
  let most = 0;
  for (const e of edges) {
    live.set(e.job, (live.get(e.job) ?? 0) + e.d);
    if (live.get(e.job) === 0) live.delete(e.job);
    most = Math.max(most, live.size);
  }
  return most;
}

describe("QStash flow control toward the AI provider", () => {
  it("never has more jobs calling OpenAI at once than the key's parallelism; the rest wait in QStash and all finish", async () => {
    stack.openai.setKnobs({ latencyMsPerToken: 2 });
    const visitors = Array.from({ length: 6 }, () => new Visitor(stack.app.url));
    const started = await Promise.all(
      visitors.map((v, i) =>
        v.start({
          listingId: i % 2 ? LONG_LISTING : SHORT_LISTING,
          analysisType: "business_analysis",
        }),
      ),
    );
    const jobs = await Promise.all(
      started.map((s, i) =>
        waitForStatus(visitors[i], s.body.job.id, ["succeeded", "failed"], 60_000),
      ),
    );
    expect(jobs.map((j) => j.status)).toEqual(Array(6).fill("succeeded"));
    const calls = stack.openai.calls().filter((c) => jobs.some((j) => j.id === c.metadata?.job_id));
    expect(maxJobsAtOnce(calls)).toBe(2);
    stack.openai.setKnobs({ latencyMsPerToken: 0 });
  });
});
