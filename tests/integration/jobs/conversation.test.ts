import { describe, expect, it } from "vitest";
import { crashInFlight } from "../../helpers/crash.ts";
import { eventually } from "../../helpers/eventually.ts";
import { waitForStatus } from "../../helpers/jobs.ts";
import { keysWithTtl, testRedis } from "../../helpers/redis-scan.ts";
import { useTestStack } from "../../helpers/stack.ts";
import { Visitor } from "../../helpers/visitor.ts";

// The crash test races a lease against redeliveries, so it is kept short (as in crash.test.ts).
const stack = useTestStack({ env: { JOB_LEASE_MS: "1500" } });

const KIND = "conversation_analysis";
const calls = (jobId: string) => stack.openai.calls().filter((c) => c.metadata?.job_id === jobId);
const steps = (jobId: string) => calls(jobId).map((c) => String(c.metadata?.step));

/** A support call long enough for several segments: two speakers taking turns. */
function transcript(turns: number): string {
  const lines: string[] = [];
  for (let i = 0; i < turns; i++) {
    const who = i % 2 === 0 ? "Agent" : "Customer";
    lines.push(
      `${who}: ${i % 2 === 0 ? "Thanks for waiting, let me check the order history for the account." : "The parcel was due last week and nobody answered my two emails about it."} (${i})`,
    );
  }
  return lines.join("\n");
}

async function upload(
  visitor: Visitor,
  name: string,
  text: string,
  type = "text/plain",
): Promise<Response> {
  const form = new FormData();
  form.set("file", new Blob([text], { type }), name);
  return visitor.request("/api/conversations", { method: "POST", body: form });
}

async function uploaded(visitor: Visitor, turns: number): Promise<string> {
  const res = await upload(visitor, "support-call.txt", transcript(turns));
  expect(res.status).toBe(201);
  const { conversation } = (await res.json()) as {
    conversation: { id: string; speakers: string[]; turns: number };
  };
  expect(conversation).toMatchObject({ speakers: ["Agent", "Customer"], turns });
  return conversation.id;
}

describe("a conversation analysis runs on the same engine as the listing analyses", () => {
  it("parses, reads each segment, writes the report and validates it: one model call per segment plus the synthesis", async () => {
    const visitor = new Visitor(stack.app.url);
    const conversationId = await uploaded(visitor, 120);
    const { res, body } = await visitor.start({
      analysisType: KIND,
      input: { conversationId },
      params: { focus: "support" },
    });
    expect(res.status).toBe(202);
    expect(body.job).toMatchObject({
      status: "queued",
      analysisType: KIND,
      subject: conversationId,
      input: { conversationId },
    });
    const job = await waitForStatus(visitor, body.job.id, ["succeeded", "failed"]);
    expect(job.error).toBeNull();
    expect(job.status).toBe("succeeded");
    const result = job.result as {
      speakers: Array<{ name: string; talkShare: number; turns: number }>;
      sentimentOverTime: unknown[];
    };
    expect(result.speakers.map((s) => s.name).sort()).toEqual(["Agent", "Customer"]);
    expect(result.speakers.find((s) => s.name === "Agent")?.turns).toBe(60);
    expect(result.speakers.reduce((n, s) => n + s.talkShare, 0)).toBeCloseTo(1, 5);
    const paid = steps(job.id);
    const segments = paid.filter((s) => s.startsWith("segment:")).length;
    expect(segments).toBeGreaterThanOrEqual(2);
    expect(result.sentimentOverTime).toHaveLength(segments);
    expect(paid.filter((s) => s === "synthesize")).toHaveLength(1);
    expect(paid.length).toBe(new Set(paid).size);
    // A second start of the same analysis is the same job; the history and the TTLs know it.
    const again = await visitor.start({
      analysisType: KIND,
      input: { conversationId },
      params: { focus: "support" },
    });
    expect(again.body.job.id).toBe(job.id);
    const history = (await (await visitor.request("/api/analysis/history")).json()) as {
      jobs: Array<{ id: string; subject: string }>;
    };
    expect(history.jobs.find((j) => j.id === job.id)?.subject).toBe(conversationId);
    const keys = await keysWithTtl(stack.prefix);
    expect(keys.filter((k) => k.ttl <= 0)).toEqual([]);
    expect(keys.some((k) => k.key.includes(`job:byIdentity:${KIND}:`))).toBe(true);
  });

  it("refuses a bad file at upload with a 400 and writes nothing; a missing conversation is a 404 at start", async () => {
    const visitor = new Visitor(stack.app.url);
    const before = await keysWithTtl(stack.prefix);
    for (const [name, text, type] of [
      ["notes.txt", "just one line and nobody speaking", "text/plain"],
      ["chat.json", "{ not json", "application/json"],
      ["empty.vtt", "WEBVTT\n\n", "text/vtt"],
    ] as const) {
      const res = await upload(visitor, name, text, type);
      expect(res.status, name).toBe(400);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      expect(error.message.length, name).toBeGreaterThan(10);
    }
    const missing = await visitor.start({
      analysisType: KIND,
      input: { conversationId: "cnv_000000000000" },
    });
    expect(missing.res.status).toBe(404);
    const wrong = await visitor.start({
      analysisType: KIND,
      input: { listingId: "lst_harbor-coffee" },
    });
    expect(wrong.res.status).toBe(400);
    const after = await keysWithTtl(stack.prefix);
    // Only the session's own rate-limit windows may have appeared: no conversation, no job.
    const added = after.map((k) => k.key).filter((k) => !before.some((b) => b.key === k));
    expect(added.filter((k) => /conversation:|job:/.test(k))).toEqual([]);
  });

  it("resumes after a crash mid-step from its checkpoints, without paying finished segments again", async () => {
    const visitor = new Visitor(stack.app.url);
    stack.openai.setKnobs({ latencyMsPerToken: 5 });
    try {
      const conversationId = await uploaded(visitor, 160);
      const { body } = await visitor.start({ analysisType: KIND, input: { conversationId } });
      const redis = testRedis();
      const checkpointed = async () =>
        (await redis.hkeys(`${stack.prefix}job:${body.job.id}:steps`)).filter(
          (f) => !f.startsWith("@"),
        );
      // parse and the first two segments are checkpointed before the crash.
      await eventually(async () => ((await checkpointed()).length >= 3 ? true : null), {
        timeoutMs: 15_000,
        intervalMs: 10,
      });
      expect(crashInFlight()).toBeGreaterThan(0);
      const job = await waitForStatus(visitor, body.job.id, ["succeeded", "failed"], 30_000);
      expect(job.status).toBe("succeeded");
      expect(job.attempt).toBeGreaterThanOrEqual(2);
      const paid = steps(job.id);
      expect(paid.filter((s) => s === "segment:0")).toHaveLength(1);
      expect(paid.filter((s) => s === "segment:1")).toHaveLength(1);
      // Only the step in flight at the crash may have been paid twice (once aborted).
      expect(paid.length - new Set(paid).size).toBeLessThanOrEqual(1);
    } finally {
      stack.openai.setKnobs({ latencyMsPerToken: 0 });
    }
  });

  it("cancels mid-stream: the model response is cancelled and no result is written", async () => {
    const visitor = new Visitor(stack.app.url);
    stack.openai.setKnobs({ latencyMsPerToken: 80 });
    try {
      const conversationId = await uploaded(visitor, 60);
      const { body } = await visitor.start({
        analysisType: KIND,
        input: { conversationId },
        params: { focus: "general" },
      });
      await eventually(async () => (await visitor.status(body.job.id)).job?.partialOutput, {
        timeoutMs: 15_000,
      });
      const res = await visitor.post("/api/analysis/cancel", { jobId: body.job.id });
      expect(res.status).toBe(202);
      const job = await waitForStatus(
        visitor,
        body.job.id,
        ["canceled", "succeeded", "failed"],
        5_000,
      );
      expect(job.status).toBe("canceled");
      const last = await eventually(() =>
        calls(body.job.id)
          .filter((c) => c.endedAt)
          .at(-1),
      );
      // Stopped at the provider too: the background response is cancelled, not left to finish.
      expect(last).toMatchObject({ outcome: "cancelled", responseStatus: "cancelled" });
      await stack.qstash.idle();
      expect((await visitor.status(body.job.id)).job?.result).toBeNull();
    } finally {
      stack.openai.setKnobs({ latencyMsPerToken: 0 });
    }
  });
});
