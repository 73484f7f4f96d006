import { describe, expect, it } from "vitest";
import { chunkText } from "@/lib/kinds/chunk";
import { catalog } from "@/lib/listings/catalog";
import { LONG_LISTING, waitForStatus } from "../../helpers/jobs.ts";
import { useTestStack } from "../../helpers/stack.ts";
import { Visitor } from "../../helpers/visitor.ts";

// A 1 ms budget: every delivery runs exactly one step, then hands over to a continuation.
const stack = useTestStack({ env: { CONSUME_TIME_BUDGET_MS: "1" } });

describe("time budget", () => {
  it("checkpoints and publishes a continuation when the budget runs low, so any input finishes", async () => {
    const visitor = new Visitor(stack.app.url);
    const published = stack.qstash.stats().published;
    const { body } = await visitor.start({
      listingId: LONG_LISTING,
      analysisType: "business_analysis",
    });
    const job = await waitForStatus(visitor, body.job.id, ["succeeded", "failed"]);
    expect(job.status).toBe("succeeded");
    const chunks = chunkText(catalog.find((l) => l.id === LONG_LISTING)!.text).length;
    // prepare, each chunk, synthesize, validate each ran in a delivery of its own; save joins the last.
    const steps = chunks + 3;
    expect(stack.qstash.stats().published - published).toBe(steps);
    expect(job.attempt).toBe(steps);
    const paid = stack.openai.calls().filter((c) => c.metadata?.job_id === job.id);
    expect(paid).toHaveLength(chunks + 1);
  });
});
