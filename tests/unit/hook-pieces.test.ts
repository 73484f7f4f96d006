// @vitest-environment jsdom
import { afterEach, describe, expect, it } from "vitest";
import { LEASE_MS, SharedPoller } from "@/hooks/analysis/leader";
import {
  errorDelay,
  fingerprint,
  hiddenPollDelay,
  initialSchedule,
  MAX_POLL_MS,
  MIN_POLL_MS,
  nextDelay,
  observe,
} from "@/hooks/analysis/schedule";
import { remainingMs } from "@/lib/jobs/eta";
import { listingStepWeight } from "@/lib/kinds/listing/steps";
import { nextPollMs } from "@/lib/jobs/status";
import { currentIdentity, forgetJob, recallJob, rememberJob } from "@/hooks/analysis/storage";

const job = (progress: number, status = "running", step = "analyze:0") => ({
  status,
  progress,
  step: { name: step },
});
const mid = () => 0.5; // no jitter

describe("poll schedule", () => {
  it("backs off from 0.5 s to 15 s while the job does not move and has no ETA", () => {
    let state = observe(initialSchedule(), fingerprint(job(10)));
    const delays = [nextDelay(state, 0, false, mid)];
    for (let i = 0; i < 7; i++) {
      state = observe(state, fingerprint(job(10)));
      delays.push(nextDelay(state, 0, false, mid));
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]);
  });

  it("resets to fast when progress moves, but never polls sooner than the server's hint", () => {
    let state = initialSchedule();
    for (let i = 0; i < 6; i++) state = observe(state, fingerprint(job(10)));
    expect(nextDelay(state, 0, false, mid)).toBe(15_000);
    state = observe(state, fingerprint(job(20)));
    expect(nextDelay(state, 0, false, mid)).toBe(500);
    expect(nextDelay(state, 3_000, false, mid)).toBe(3_000);
    expect(nextDelay(state, 60_000, false, mid)).toBe(MAX_POLL_MS);
  });

  it("follows an ETA's hint as is, never later than it, however long the job stood still", () => {
    let state = initialSchedule();
    for (let i = 0; i < 6; i++) state = observe(state, fingerprint(job(10)));
    expect(nextDelay(state, 1_000, false, () => 0.999, true)).toBeLessThanOrEqual(1_000);
    expect(nextDelay(state, 1_000, false, () => 0, true)).toBe(900);
    expect(nextDelay(state, 100, false, mid, true)).toBe(MIN_POLL_MS); // a cancel under way
  });

  it("stops once the job ended, and jitters within ±15 %", () => {
    expect(nextDelay(initialSchedule(), 0, true)).toBe(0);
    const state = { unchanged: 3, fingerprint: "x" };
    expect(nextDelay(state, 0, false, () => 0)).toBe(3400);
    expect(nextDelay(state, 0, false, () => 0.999)).toBeLessThanOrEqual(4600);
    expect(errorDelay(0, mid)).toBe(1000);
    expect(errorDelay(10, mid)).toBe(30000);
  });

  it("polls a hidden tab never in its first minute, then a little after the ETA, at most a minute apart", () => {
    expect(hiddenPollDelay(null, 0)).toBe(60_000); // hidden before any ETA
    expect(hiddenPollDelay(5_000, 0)).toBe(60_000);
    expect(hiddenPollDelay(5_000, 60_000)).toBe(7_500);
    expect(hiddenPollDelay(10 * 60_000, 60_000)).toBe(60_000);
    expect(hiddenPollDelay(20_000, 50_000)).toBe(24_000);
  });
});

describe("the server's hint", () => {
  const NOW = 1_000_000;
  /** A job that has been running for `ranMs` (a minute unless said). */
  const running = (etaMs: number | null, cancelRequested = false, ranMs = 60_000) => ({
    status: "running" as const,
    etaMs,
    cancelRequested,
    startedAt: NOW - ranMs,
  });
  it("is 35 % of the time left within 1–15 s, 400 ms while a cancel is carried out, 0 once ended", () => {
    expect(nextPollMs(running(100_000), NOW)).toBe(15_000);
    expect(nextPollMs(running(20_000), NOW)).toBe(7_000);
    expect(nextPollMs(running(1_000), NOW)).toBe(1_000);
    expect(nextPollMs(running(null), NOW)).toBe(2_000);
    expect(nextPollMs({ ...running(null), status: "queued" }, NOW)).toBe(1_000);
    expect(nextPollMs(running(20_000, true), NOW)).toBe(400);
    expect(
      nextPollMs(
        { status: "succeeded", etaMs: 0, cancelRequested: false, startedAt: NOW - 5_000 },
        NOW,
      ),
    ).toBe(0);
  });

  it("never waits longer than the job has been running: an early estimate that runs high cannot hide a short job's end", () => {
    // Three seconds in, the pace so far says 40 s more; the job may well end in five.
    expect(nextPollMs(running(40_000, false, 3_000), NOW)).toBe(3_000);
    expect(nextPollMs(running(40_000, false, 300), NOW)).toBe(1_000);
    // Polls grow with the job's age at most geometrically: about log₂ of its length, then the ETA's tightening.
    let t = 2_000;
    const at: number[] = [];
    while (t < 100_000) {
      at.push(t);
      t += nextPollMs(running(100_000 - t, false, t), NOW);
    }
    expect(at.length).toBeLessThanOrEqual(15);
  });

  it("tightens toward the likely end even when the estimate runs 50 % high: a poll never lands past it", () => {
    // True time left 60 s; each poll's ETA says 1.5 × what is really left.
    let left = 60_000;
    let polls = 0;
    while (left > 0 && polls < 40) {
      const wait = nextPollMs(running(1.5 * left), NOW);
      if (wait >= left) break; // the poll that sees the end, at most one floor interval after it
      left -= wait;
      polls++;
    }
    expect(left).toBeLessThanOrEqual(1_000);
    expect(polls).toBeLessThanOrEqual(12);
  });
});

describe("the ETA", () => {
  const names = [
    "prepare",
    "analyze:0",
    "analyze:1",
    "analyze:2",
    "synthesize",
    "validate",
    "save",
  ];
  const plan = names.map(listingStepWeight);
  it("comes from the model work alone, the synthesis weighing four chunks, the quick last steps nothing", () => {
    expect(remainingMs(plan, 4, 0, 30_000)).toBe(40_000); // 3 chunks in 30 s; the synthesis is 4 more
    expect(remainingMs(plan, 4, 0.5, 50_000)).toBe(20_000); // 5 of 7 in 50 s
    expect(remainingMs(plan, 5, 0, 40_000)).toBe(0); // validating: the model work is done
    expect(remainingMs(plan, 1, 0.1, 2_000)).toBeNull(); // under 2 % known
  });
});

describe("reattach storage", () => {
  afterEach(() => localStorage.clear());
  const id = {
    input: { listingId: "lst_a" },
    analysisType: "risk_assessment",
    params: { riskTolerance: "low" },
  };

  it("remembers the job of an identity and the page's current one, and forgets it", () => {
    rememberJob(id, "job1");
    expect(recallJob({ ...id, params: { riskTolerance: "low" } })).toBe("job1");
    expect(recallJob({ ...id, params: { riskTolerance: "high" } })).toBeNull();
    expect(currentIdentity()).toMatchObject({ jobId: "job1", input: { listingId: "lst_a" } });
    forgetJob(id, "job1");
    expect(recallJob(id)).toBeNull();
    expect(currentIdentity()).toBeNull();
  });

  it("drops an expired entry instead of reattaching to it", () => {
    rememberJob(id, "old", Date.now() - 25 * 3600_000);
    expect(recallJob(id)).toBeNull();
  });

  it("survives broken or blocked storage", () => {
    localStorage.setItem("tabsafe:current", "{not json");
    expect(currentIdentity()).toBeNull();
  });
});

describe("one poller across tabs", () => {
  afterEach(() => localStorage.clear());

  it("lets one tab lead, hands over when it lets go or its lease expires, and broadcasts answers", async () => {
    const heard: unknown[] = [];
    const a = new SharedPoller<number>("j1", () => {}, "tab-a");
    const b = new SharedPoller<number>("j1", (m) => heard.push(m), "tab-b");
    const now = Date.now();
    expect(a.tryLead(now)).toBe(true);
    expect(b.tryLead(now)).toBe(false);
    expect(a.tryLead(now + 1000)).toBe(true); // renews
    expect(b.tryLead(now + 1000 + LEASE_MS + 1)).toBe(true); // a's lease expired
    b.release();
    expect(a.tryLead(now + 2000)).toBe(true);
    a.publish(42);
    await new Promise((r) => setTimeout(r, 20));
    expect(heard).toContainEqual({ type: "status", data: 42 });
    a.close();
    b.close();
  });

  it("lets a tab that joins ask the leader for its latest answer instead of polling", async () => {
    const heard: unknown[] = [];
    const leader = new SharedPoller<string>(
      "j2",
      (m) => m.type === "hello" && leader.leads() && leader.publish("latest"),
      "tab-a",
    );
    const joiner = new SharedPoller<string>("j2", (m) => heard.push(m), "tab-b");
    expect(leader.tryLead()).toBe(true);
    expect(joiner.followsAnother()).toBe(true);
    expect(leader.followsAnother()).toBe(false);
    joiner.hello();
    await new Promise((r) => setTimeout(r, 20));
    expect(heard).toEqual([{ type: "status", data: "latest" }]);
    leader.close();
    expect(joiner.followsAnother()).toBe(false);
    joiner.close();
  });
});
