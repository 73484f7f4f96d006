import { describe, expect, it } from "vitest";
import { LONG_LISTING, SHORT_LISTING, waitForStatus } from "../../helpers/jobs.ts";
import { Operator } from "../../helpers/operator.ts";
import { useTestStack } from "../../helpers/stack.ts";
import { Visitor } from "../../helpers/visitor.ts";
import type { OpsVisitors } from "../../../lib/ops/types.ts";

// The zero-setup fallback of `npm run dev`: every Lua script of the app must run here too.
const stack = useTestStack({ redisBackend: "memory" });

describe("the job engine on the in-process Redis engine", () => {
  it("runs the whole flow: dedupe, steps with checkpoints, identity lookup, cancel", async () => {
    expect(stack.redis.backend).toBe("memory");
    const visitor = new Visitor(stack.app.url);
    await visitor.request("/api/listings");
    const [a, b] = await Promise.all([
      visitor.start({ listingId: LONG_LISTING, analysisType: "risk_assessment" }),
      visitor.start({ listingId: LONG_LISTING, analysisType: "risk_assessment" }),
    ]);
    expect(a.body.job.id).toBe(b.body.job.id);
    const job = await waitForStatus(visitor, a.body.job.id, ["succeeded", "failed"]);
    expect(job.status).toBe("succeeded");
    const found = await visitor.request(
      `/api/analysis/status?listingId=${LONG_LISTING}&analysisType=risk_assessment`,
    );
    expect(((await found.json()) as { job: { id: string } }).job.id).toBe(job.id);

    stack.qstash.setFaults({ delayMs: 2_000 });
    const queued = await visitor.start({
      listingId: SHORT_LISTING,
      analysisType: "risk_assessment",
    });
    expect((await visitor.post("/api/analysis/cancel", { jobId: queued.body.job.id })).status).toBe(
      202,
    );
    stack.qstash.setFaults({});
    expect((await visitor.status(queued.body.job.id)).job?.status).toBe("canceled");

    // This engine has no HyperLogLog: the visits are still recorded around it (the requests above
    // were served), and /ops gets the usage without distinct counts.
    const v = await new Operator(stack.app.url).get<OpsVisitors>("/api/ops/visitors?days=7");
    expect([v.dau, v.wau, v.mau, v.days[6].active]).toEqual([null, null, null, null]);
    expect(v.usage).toEqual([
      {
        analysisType: "risk_assessment",
        starts: 2,
        params: [{ name: "riskTolerance", value: "medium", starts: 2 }],
      },
    ]);
    expect(v.peakHours.reduce((n, h) => n + h.starts, 0)).toBe(2);
    expect(v.peakHours.reduce((n, h) => n + h.visitors, 0)).toBeGreaterThanOrEqual(1);
  });
});
