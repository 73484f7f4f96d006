import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "@upstash/redis";
import { afterAll, describe, expect, it } from "vitest";
import { loadDevEnv } from "../../dev/env-file.ts";
import { eventually } from "../helpers/eventually.ts";
import { Visitor, type JobView } from "../helpers/visitor.ts";
import { devPorts, startDevStack, type DevPorts, type DevStack } from "./dev-stack.ts";

/**
 * The whole local stack dies mid-job — next dev, the stand-ins and the private redis-server, all
 * SIGKILLed at once, as when a laptop's terminal is closed or the machine freezes — and comes back
 * with `npm run dev` on the same ports and data dir. The job must finish on its own: nobody
 * presses Retry, the visitor only keeps polling. Time is real (no QStash time scale set here), so
 * what it measures is what a developer waits. The visitor is a plain HTTP client with its cookie.
 */
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** The stack's tokens are .env.example's local defaults, as `npm run dev` has them. */
const { env: defaults } = loadDevEnv(ROOT, {});
/** ~40 s for the 6-chunk listing below on an idle machine: long enough to crash it mid-job. */
const SLOW = { OPENAI_SIM_LATENCY_MS_PER_TOKEN: "60" };

const dataDir = mkdtempSync(join(tmpdir(), "tabsafe-dev-crash-"));
const stacks: DevStack[] = [];
afterAll(async () => {
  for (const s of stacks.reverse()) await s.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function start(ports: DevPorts): DevStack {
  const stack = startDevStack({ ports, dataDir, env: SLOW });
  stacks.push(stack);
  return stack;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** What an operator would look at when the job does not move: its hash, its lease, QStash's queue. */
async function diagnose(ports: DevPorts, jobId: string) {
  const redis = new Redis({
    url: `http://127.0.0.1:${ports.redis}`,
    token: defaults.UPSTASH_REDIS_REST_TOKEN,
    automaticDeserialization: false,
    enableTelemetry: false,
  });
  const prefix = defaults.REDIS_KEY_PREFIX ?? "";
  const flat =
    ((await redis.hgetall(`${prefix}job:${jobId}`).catch(() => null)) as unknown as
      | string[]
      | null) ?? [];
  const job = Object.fromEntries(
    Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]]),
  );
  const { partialOutput, result, ...fields } = job;
  const steps = (
    (await redis.hkeys(`${prefix}job:${jobId}:steps`).catch(() => [])) as string[]
  ).sort();
  const leasePttl = await redis
    .pttl(`${prefix}job:${jobId}:lease`)
    .catch((e: unknown) => String(e));
  const qstash = await fetch(`http://127.0.0.1:${ports.qstash}/__admin/messages`, {
    headers: { authorization: `Bearer ${defaults.QSTASH_TOKEN}` },
  })
    .then(
      (r) =>
        r.json() as Promise<{
          pending: Array<Record<string, unknown>>;
          recent: Array<Record<string, unknown>>;
        }>,
    )
    .catch((e: unknown) => ({ pending: [], recent: [], error: String(e) }));
  const view = (m: Record<string, unknown>) => ({
    url: String(m.url).replace(/^https?:\/\/[^/]+/, ""),
    kind: m.kind,
    state: m.state,
    inFlight: m.inFlight,
    retried: m.retried,
    dueInMs: typeof m.dueAt === "number" ? m.dueAt - Date.now() : null,
    attempts: (m.attempts as Array<Record<string, unknown>> | undefined)?.map((a) => ({
      agoMs: Date.now() - Number(a.at),
      status: a.status,
      durationMs: a.durationMs,
      error: a.error,
    })),
  });
  // Since this stand-in started: messages of this job that QStash is done with (newest first).
  const ended = qstash.recent.filter((m) => String(m.url).includes(jobId)).map(view);
  const dlq = await fetch(`http://127.0.0.1:${ports.qstash}/v2/dlq`, {
    headers: { authorization: `Bearer ${defaults.QSTASH_TOKEN}` },
  })
    .then((r) => r.json() as Promise<{ messages: Array<{ url: string; responseStatus?: number }> }>)
    .then((d) =>
      d.messages
        .filter((m) => m.url.includes(jobId))
        .map(
          (m) => `${m.url.replace(/^https?:\/\/[^/]+/, "")} (${m.responseStatus ?? "no answer"})`,
        ),
    )
    .catch((e: unknown) => [String(e)]);
  return {
    job: { ...fields, partialOutputChars: partialOutput?.length ?? 0, hasResult: !!result },
    steps,
    leasePttl,
    qstashPending: qstash.pending.map(view),
    qstashEnded: ended,
    dlq,
  };
}

describe("a crash of the whole local stack", () => {
  it("finishes a job that was running when everything was SIGKILLed, once npm run dev is started again", async () => {
    const ports = await devPorts();
    const first = start(ports);
    await first.ready();
    const visitor = new Visitor(first.url);
    await visitor.request("/api/listings"); // the session cookie

    // A long listing of the visitor's own: the two long samples together make six chunks.
    const texts = await Promise.all(
      ["lst_northwind-bakery", "lst_alpine-outfitters"].map(
        async (id) =>
          (
            (await (await visitor.request(`/api/listings/${id}`)).json()) as {
              listing: { text: string };
            }
          ).listing.text,
      ),
    );
    const created = await visitor.post("/api/listings", {
      title: "Northwind & Alpine, one owner",
      text: texts.join("\n\n"),
    });
    expect(created.status).toBe(201);
    const { listing } = (await created.json()) as { listing: { id: string } };
    const started = await visitor.start({
      listingId: listing.id,
      analysisType: "business_analysis",
      params: { perspective: "buyer" },
    });
    expect(started.res.status).toBe(202);
    const jobId = started.body.job.id;
    const startedAt = Date.now();

    // Mid-job: a few chunks checkpointed, one streaming now.
    const before = await eventually(
      async () => {
        const { job } = await visitor.status(jobId);
        return job?.status === "running" && job.step && job.step.index >= 4 && job.partialOutput
          ? job
          : null;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );

    console.log(`before the crash: ${JSON.stringify(await diagnose(ports, jobId))}`);
    const killed = await first.crash();
    const killedAt = Date.now();
    console.log(
      `crash: SIGKILLed ${killed.map((p) => `${p.command}(${p.pid})`).join(" ")} ${seconds(killedAt - startedAt)} after start, at step ${before.step?.label} (${before.step?.index}/${before.step?.total}, ${before.progress} %)`,
    );
    expect(killed.map((p) => p.command)).toContain("redis-server");
    expect(existsSync(join(dataDir, "appendonlydir"))).toBe(true); // redis-server's data outlives it

    const second = start(ports);
    await second.ready();
    const restartedAt = Date.now();
    console.log(
      `restart: npm run dev answered again ${seconds(restartedAt - killedAt)} after the kill; ${JSON.stringify(await diagnose(ports, jobId))}`,
    );

    // Follow the job as the visitor's open tab would, with the same session cookie.
    const timeline: string[] = [];
    let last = "";
    let finished: JobView;
    try {
      finished = await eventually(
        async () => {
          const { res, job } = await visitor.status(jobId);
          const line = `${res.status} ${job?.status} ${job?.step?.label ?? "-"} attempt ${job?.attempt}${job?.error ? ` error ${job.error.code}` : ""}`;
          if (line !== last)
            timeline.push(`+${seconds(Date.now() - restartedAt)} ${(last = line)}`);
          return job && !["queued", "running"].includes(job.status) ? job : null;
        },
        { timeoutMs: 180_000, intervalMs: 1_000 },
      ).catch(async () => {
        throw new Error(
          `the job did not end within 180 s of the restart; last seen: ${last}; now: ${JSON.stringify(await diagnose(ports, jobId), null, 2)}`,
        );
      });
    } finally {
      console.log(`after the restart:\n  ${timeline.join("\n  ")}`);
    }
    const doneAt = Date.now();
    console.log(
      `outcome: ${finished.status} ${seconds(doneAt - restartedAt)} after the restart (${seconds(doneAt - killedAt)} after the kill, ${seconds(doneAt - startedAt)} after start), attempt ${finished.attempt}`,
    );
    if (finished.status !== "succeeded")
      console.log(
        `ended badly: ${JSON.stringify(finished.error)}; ${JSON.stringify(await diagnose(ports, jobId))}`,
      );
    expect(finished.status).toBe("succeeded");
    expect(finished.result).toBeTruthy();
  }, 360_000);
});
