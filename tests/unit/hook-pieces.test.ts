// @vitest-environment jsdom
import { afterEach, describe, expect, it } from "vitest";
import { LEASE_MS, SharedPoller } from "@/hooks/analysis/leader";
import { errorDelay, fingerprint, initialSchedule, MAX_POLL_MS, MIN_POLL_MS, nextDelay, observe } from "@/hooks/analysis/schedule";
import { currentIdentity, forgetJob, recallJob, rememberJob } from "@/hooks/analysis/storage";

const job = (progress: number, status = "running", step = "analyze:0") => ({ status, progress, step: { name: step } });
const mid = () => 0.5; // no jitter

describe("poll schedule", () => {
  it("backs off from 0.5 s to 10 s while the job does not move", () => {
    let state = observe(initialSchedule(), fingerprint(job(10)));
    const delays = [nextDelay(state, 0, false, mid)];
    for (let i = 0; i < 7; i++) {
      state = observe(state, fingerprint(job(10)));
      delays.push(nextDelay(state, 0, false, mid));
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 10000, 10000, 10000]);
  });

  it("resets to fast when progress moves, but never polls sooner than the server's hint", () => {
    let state = initialSchedule();
    for (let i = 0; i < 6; i++) state = observe(state, fingerprint(job(10)));
    expect(nextDelay(state, 0, false, mid)).toBe(10_000);
    state = observe(state, fingerprint(job(20)));
    expect(nextDelay(state, 0, false, mid)).toBe(MIN_POLL_MS);
    expect(nextDelay(state, 3_000, false, mid)).toBe(3_000);
    expect(nextDelay(state, 60_000, false, mid)).toBe(MAX_POLL_MS);
  });

  it("stops once the job ended, and jitters within ±15 %", () => {
    expect(nextDelay(initialSchedule(), 0, true)).toBe(0);
    const state = { unchanged: 3, fingerprint: "x" };
    expect(nextDelay(state, 0, false, () => 0)).toBe(3400);
    expect(nextDelay(state, 0, false, () => 0.999)).toBeLessThanOrEqual(4600);
    expect(errorDelay(0, mid)).toBe(1000);
    expect(errorDelay(10, mid)).toBe(30000);
  });
});

describe("reattach storage", () => {
  afterEach(() => localStorage.clear());
  const id = { listingId: "lst_a", analysisType: "risk_assessment" as const, params: { riskTolerance: "low" } };

  it("remembers the job of an identity and the page's current one, and forgets it", () => {
    rememberJob(id, "job1");
    expect(recallJob({ ...id, params: { riskTolerance: "low" } })).toBe("job1");
    expect(recallJob({ ...id, params: { riskTolerance: "high" } })).toBeNull();
    expect(currentIdentity()).toMatchObject({ jobId: "job1", listingId: "lst_a" });
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
    const leader = new SharedPoller<string>("j2", (m) => m.type === "hello" && leader.leads() && leader.publish("latest"), "tab-a");
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
