import { describe, expect, it } from "vitest";
import { kinds } from "@/lib/kinds";
import { chunkText } from "@/lib/kinds/chunk";
import { catalog } from "@/lib/listings/catalog";
import { LONG_LISTING, SHORT_LISTING, waitForStatus } from "../../helpers/jobs.ts";
import { keysWithTtl } from "../../helpers/redis-scan.ts";
import { useTestStack } from "../../helpers/stack.ts";
import { Visitor } from "../../helpers/visitor.ts";

const stack = useTestStack();

const callsFor = (jobId: string) =>
  stack.openai.calls().filter((c) => c.metadata?.job_id === jobId);

describe("an analysis runs start → queued → running → succeeded through QStash", () => {
  it.each(kinds.all.filter((k) => k.subject === "listing").map((k) => k.kind))(
    "%s on a long listing: one OpenAI call per chunk plus the synthesis, a schema-valid result",
    async (analysisType) => {
      const visitor = new Visitor(stack.app.url);
      const { res, body } = await visitor.start({ listingId: LONG_LISTING, analysisType });
      expect(res.status).toBe(202);
      expect(body.deduplicated).toBe(false);
      expect(body.job.status).toBe("queued");

      const job = await waitForStatus(visitor, body.job.id, ["succeeded", "failed"]);
      expect(job.error).toBeNull();
      expect(job.status).toBe("succeeded");
      expect(job.progress).toBe(100);
      expect(kinds.get(analysisType)!.result.safeParse(job.result).success).toBe(true);

      const chunks = chunkText(catalog.find((l) => l.id === LONG_LISTING)!.text).length;
      expect(chunks).toBeGreaterThanOrEqual(3);
      const calls = callsFor(job.id);
      expect(calls.map((c) => c.metadata?.step).sort()).toEqual(
        [...Array.from({ length: chunks }, (_, i) => `analyze:${i}`), "synthesize"].sort(),
      );
      expect(calls.every((c) => c.stream && c.outcome === "ok")).toBe(true);
      const paid = calls.reduce(
        (sum, c) => ({ in: sum.in + c.inputTokens, out: sum.out + c.outputTokens }),
        { in: 0, out: 0 },
      );
      expect(job.usage).toEqual({ inputTokens: paid.in, outputTokens: paid.out });
      expect(job.usage.inputTokens).toBeGreaterThan(0);
    },
  );

  it("keeps the payload small while running and sends the result once done", async () => {
    const visitor = new Visitor(stack.app.url);
    const { body } = await visitor.start({
      listingId: SHORT_LISTING,
      analysisType: "business_analysis",
      params: { perspective: "seller" },
    });
    const job = await waitForStatus(visitor, body.job.id, ["succeeded"]);
    expect(job.partialOutput).toBe("");
    expect(job.result).toMatchObject({ recommendation: expect.any(String) });
    expect(job).not.toHaveProperty("owner");
  });

  it("gives every key it wrote a TTL", async () => {
    const keys = await keysWithTtl(stack.prefix);
    expect(keys.length).toBeGreaterThan(10);
    expect(keys.filter((k) => k.ttl <= 0)).toEqual([]);
    expect(keys.some((k) => /job:[^:]+:steps$/.test(k.key))).toBe(true);
    expect(keys.some((k) => k.key.includes("job:byIdentity:"))).toBe(true);
    expect(keys.some((k) => k.key.includes("jobs:owner:"))).toBe(true);
  });
});
