import { describe, expect, it } from "vitest";
import { eventually } from "../../helpers/eventually.ts";
import { LONG_LISTING, SHORT_LISTING, waitForStatus } from "../../helpers/jobs.ts";
import { useTestStack } from "../../helpers/stack.ts";
import { Visitor } from "../../helpers/visitor.ts";

const stack = useTestStack();

describe("cancel is cooperative and fast", () => {
  it("cancels a queued job at once; its later delivery does no work", async () => {
    const visitor = new Visitor(stack.app.url);
    stack.qstash.setFaults({ delayMs: 1_500 });
    const { body } = await visitor.start({
      listingId: SHORT_LISTING,
      analysisType: "risk_assessment",
    });
    const res = await visitor.post("/api/analysis/cancel", { jobId: body.job.id });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ canceled: true, status: "canceled" });
    stack.qstash.setFaults({});
    await stack.qstash.idle();
    const { job } = await visitor.status(body.job.id);
    expect(job).toMatchObject({ status: "canceled", result: null, cancelRequested: true });
    expect(stack.openai.calls().filter((c) => c.metadata?.job_id === body.job.id)).toEqual([]);
  });

  it("stops a streaming job: the OpenAI response is cancelled, the job is canceled, no result is written", async () => {
    const visitor = new Visitor(stack.app.url);
    // Slow enough (~5 s per chunk) that the cancel surely lands mid-stream.
    stack.openai.setKnobs({ latencyMsPerToken: 80 });
    try {
      const { body } = await visitor.start({
        listingId: LONG_LISTING,
        analysisType: "business_analysis",
      });
      await eventually(async () => (await visitor.status(body.job.id)).job?.partialOutput, {
        timeoutMs: 15_000,
      });
      const res = await visitor.post("/api/analysis/cancel", { jobId: body.job.id });
      expect(res.status).toBe(202);
      expect(await res.json()).toMatchObject({ canceled: true, status: "canceling" });
      const job = await waitForStatus(
        visitor,
        body.job.id,
        ["canceled", "succeeded", "failed"],
        5_000,
      );
      expect(job.status).toBe("canceled");
      expect(job.result).toBeNull();
      // The response is cancelled at the provider (the cancel route and the worker both ask).
      const last = await eventually(() =>
        stack.openai
          .calls()
          .filter((c) => c.metadata?.job_id === body.job.id && c.endedAt)
          .at(-1),
      );
      expect(last).toMatchObject({ outcome: "cancelled", responseStatus: "cancelled" });
      await stack.qstash.idle();
      expect((await visitor.status(body.job.id)).job?.result).toBeNull();
    } finally {
      stack.openai.setKnobs({ latencyMsPerToken: 0 });
    }
  });

  it("answers a cancel of a finished job with a 200 no-op that says so", async () => {
    const visitor = new Visitor(stack.app.url);
    const { body } = await visitor.start({
      listingId: SHORT_LISTING,
      analysisType: "market_intelligence",
    });
    await waitForStatus(visitor, body.job.id, ["succeeded"]);
    const res = await visitor.post("/api/analysis/cancel", { jobId: body.job.id });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      canceled: false,
      status: "succeeded",
      message: expect.stringContaining("nothing to cancel"),
    });
    expect((await visitor.status(body.job.id)).job?.status).toBe("succeeded");
  });

  it("does not let another visitor cancel or see a job", async () => {
    const owner = new Visitor(stack.app.url);
    const stranger = new Visitor(stack.app.url);
    const { body } = await owner.start({
      listingId: SHORT_LISTING,
      analysisType: "business_analysis",
      params: { perspective: "seller" },
    });
    const cancel = await stranger.post("/api/analysis/cancel", { jobId: body.job.id });
    expect(cancel.status).toBe(404);
    expect(((await cancel.json()) as { error: { code: string } }).error.code).toBe("not_found:job");
    expect((await stranger.status(body.job.id)).res.status).toBe(404);
    expect((await owner.status(body.job.id)).res.status).toBe(200);
  });
});
