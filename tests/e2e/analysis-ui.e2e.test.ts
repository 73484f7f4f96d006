import type { BrowserContext, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.ts";
import { choose, jobState, jobStatus, openTab, recorded } from "./browser.ts";
import { FAST_MS_PER_TOKEN } from "./harness.ts";
import { startedJob, usePageSuite } from "./page-suite.ts";
import { MAX_POLL_MS, MIN_POLL_MS } from "../../hooks/analysis/schedule.ts";

/**
 * The analysis page in Chromium (Playwright), against `next build` + `next start` and the local
 * stack. Each test is a new visitor (browser context: own session cookie, own localStorage).
 * Status requests are counted twice: in each tab (what the app asked for) and at the proxy in
 * front of the app (what reached the server).
 */
const SHORT = "Harbor Street Coffee Roasters";
const LONG = "Northwind Family Bakery";
const STATUS = "/api/analysis/status";

const suite = usePageSuite();
const { errors } = suite;

/** Opens a tab, picks listing and type, clicks Start and returns once the job view shows the job. */
async function startIn(
  context: BrowserContext,
  listing: string,
  analysisType: string,
): Promise<{ page: Page; jobId: string }> {
  const page = await openTab(context, suite.app.url, errors);
  await choose(page, listing, analysisType);
  await page.getByTestId("start").click();
  return { page, jobId: await startedJob(page) };
}

/** The step number of a label such as "2/7 · analyzing chunk 1 of 3". */
const stepIndex = (label: string) => Number(/^(\d+)\/\d+ · /.exec(label)?.[1] ?? Number.NaN);

/** Waits until the job is running and its progress bar has moved past 0. */
const moving = (page: Page) =>
  eventually(
    async () => {
      const state = await jobState(page);
      return state.status === "running" && state.progress! > 0 ? state : null;
    },
    { timeoutMs: 30_000, intervalMs: 50 },
  );

describe("the analysis page in a real browser", () => {
  it("makes one job of a triple click on Start and of a second tab starting the same analysis", async () => {
    const person = await suite.visitor();
    const first = await openTab(person, suite.app.url, errors);
    const second = await openTab(person, suite.app.url, errors);
    await choose(first, SHORT, "risk_assessment");
    await choose(second, SHORT, "risk_assessment");
    const jobsBefore = new Set(await suite.app.jobIds());
    const since = Date.now();

    // A person's triple click in one tab (Playwright: three clicks, each awaited), and at the same
    // moment three clicks within one task in the other (all land before React can re-render).
    await Promise.all([
      first.getByTestId("start").click({ clickCount: 3, delay: 0 }),
      second.evaluate(() => {
        const start = document.querySelector<HTMLButtonElement>('[data-testid="start"]')!;
        for (let i = 0; i < 3; i++) start.click();
      }),
    ]);

    await jobStatus(first, "succeeded");
    await jobStatus(second, "succeeded");
    const [a, b] = [await jobState(first), await jobState(second)];
    expect(b.id).toBe(a.id);
    const created = (await suite.app.jobIds()).filter((id) => !jobsBefore.has(id));
    expect(created).toEqual([a.id]);
    expect(suite.app.requests.count("/api/analysis/start", since)).toBeLessThanOrEqual(2); // one per tab at most
    for (const page of [first, second])
      await expect.poll(() => page.getByTestId("history").getByRole("listitem").count()).toBe(1);
  });

  it("resumes after a refresh at the progress it had reached, never from 0, and finishes", async () => {
    suite.app.openai.setKnobs({ latencyMsPerToken: 25 }); // ~11 s for the long listing
    const { page, jobId } = await startIn(await suite.visitor(), LONG, "business_analysis");
    const before = await moving(page);

    await page.reload();

    const after = await eventually(
      async () => {
        const state = await jobState(page);
        return state.id ? state : null;
      },
      { timeoutMs: 15_000, intervalMs: 20 },
    );
    expect(after.id).toBe(jobId);
    expect(after.progress).toBeGreaterThanOrEqual(before.progress!);
    expect(stepIndex(after.step!)).toBeGreaterThanOrEqual(stepIndex(before.step!));
    await jobStatus(page, "succeeded");
    await page.getByTestId("result").waitFor();
    // Every value the bar showed after the refresh, in order: from where it was, only upwards.
    const { progress, steps } = await recorded(page);
    expect(progress[0]).toBeGreaterThanOrEqual(before.progress!);
    expect(progress).toEqual([...progress].sort((x, y) => x - y));
    expect(progress.at(-1)).toBe(100);
    expect(steps.map(stepIndex)).toEqual(steps.map(stepIndex).sort((x, y) => x - y));
    expect(steps.at(-1)).toBe("7/7 · finished");
  });

  it("goes quiet while offline, says so, and resumes and finishes when the network is back", async () => {
    suite.app.openai.setKnobs({ latencyMsPerToken: 40 }); // ~16 s: still running when the network returns
    const person = await suite.visitor();
    const { page } = await startIn(person, LONG, "market_intelligence");
    const atCut = await moving(page);

    await person.setOffline(true);
    await page.getByTestId("offline").waitFor({ timeout: 2_000 });
    const offlineAt = Date.now();
    const askedBefore = (await recorded(page)).polls.length;
    await page.waitForTimeout(6_000); // the scenario: six seconds without a network

    // The tab did not even try (a refused fetch would count here), and so nothing reached the server.
    expect((await recorded(page)).polls.length - askedBefore).toBe(0);
    expect(suite.app.requests.count(STATUS, offlineAt)).toBe(0);
    expect((await jobState(page)).status).toBe("running"); // a lost network never fails the job in the UI

    const onlineAt = Date.now(); // before the switch: the refresh it triggers can beat the call's own return
    await person.setOffline(false);
    await page.getByTestId("offline").waitFor({ state: "detached", timeout: 2_000 });
    // Reconnecting refreshes at once rather than waiting out the backoff.
    await eventually(() => suite.app.requests.count(STATUS, onlineAt) > 0, { timeoutMs: 2_000 });
    await eventually(async () => (await jobState(page)).progress! > atCut.progress!, {
      timeoutMs: 10_000,
    });
    await jobStatus(page, "succeeded");
  });

  it("cancels: the model response is cancelled, the job shows canceled, and Start picks it up again", async () => {
    suite.app.openai.setKnobs({ latencyMsPerToken: 60 });
    const { page, jobId } = await startIn(await suite.visitor(), LONG, "risk_assessment");
    await eventually(
      () =>
        suite.app.openai
          .calls()
          .some((c) => c.metadata?.job_id === jobId && c.endedAt === undefined),
      { timeoutMs: 15_000 },
    );

    expect(await page.getByTestId("cancel").textContent()).toBe("Cancel");
    await page.getByTestId("cancel").click();

    await jobStatus(page, "canceled", 10_000);
    await page.getByTestId("job-canceled").waitFor();
    expect(await page.getByTestId("retry").count()).toBe(0); // Start is the one way on, no "Start again" beside it
    await expect.poll(() => page.getByTestId("start").isEnabled()).toBe(true);
    expect(await page.getByTestId("start").textContent()).toBe("Start analysis");
    expect(await page.getByTestId("cancel").count()).toBe(0);
    const calls = await eventually(() => {
      const mine = suite.app.openai.calls().filter((c) => c.metadata?.job_id === jobId);
      return mine.every((c) => c.endedAt !== undefined) ? mine : null;
    });
    expect(calls.at(-1)!.outcome).toBe("cancelled"); // stopped at the provider, not only cut off
    const stored = await suite.app.jobHash(jobId);
    expect(stored?.status).toBe("canceled");
    expect(stored?.result ?? "").toBe(""); // nothing written after the cancel

    // Start on the same analysis runs the same job again (POST /api/analysis/retry), keeping the steps it had finished.
    suite.app.openai.setKnobs({ latencyMsPerToken: FAST_MS_PER_TOKEN });
    await page.getByTestId("start").click();
    await jobStatus(page, "succeeded");
    expect((await jobState(page)).id).toBe(jobId);
    expect((await suite.app.jobHash(jobId))?.retries).toBe("1");
  });

  it("shows the same progress in a second tab on the same job while only one tab polls", async () => {
    suite.app.openai.setKnobs({ latencyMsPerToken: 30 }); // ~12 s
    const person = await suite.visitor();
    const { page: first, jobId } = await startIn(person, LONG, "market_intelligence");
    await moving(first);
    expect((await jobState(first)).step).toMatch(/^[1-7]\/7 · /);
    const second = await openTab(person, suite.app.url, errors); // the same person opens the app again
    await eventually(async () => (await jobState(second)).id === jobId, { timeoutMs: 10_000 });

    // From here on both tabs follow the job: compare what they show, and who asks the server.
    const [firstAsked, secondAsked] = [
      (await recorded(first)).polls.length,
      (await recorded(second)).polls.length,
    ];
    const reachedBefore = suite.app.requests.count(STATUS);
    let samples = 0;
    for (;;) {
      const same = await eventually(
        async () => {
          const [a, b] = [await jobState(first), await jobState(second)];
          return a.status === b.status && a.progress === b.progress && a.step === b.step ? a : null;
        },
        { timeoutMs: 1_500, intervalMs: 50 },
      );
      samples++;
      if (same.status === "succeeded") break;
      await first.waitForTimeout(500); // sampling interval, not a wait for the app
    }
    const asked = [
      (await recorded(first)).polls.length - firstAsked,
      (await recorded(second)).polls.length - secondAsked,
    ];
    expect(samples).toBeGreaterThan(3);
    expect(Math.min(...asked)).toBe(0);
    expect(Math.max(...asked)).toBeGreaterThan(0);
    expect(suite.app.requests.count(STATUS) - reachedBefore).toBe(Math.max(...asked));
    await second.getByTestId("result").waitFor();
    // The polling tab kept to its schedule (hooks/analysis/schedule.ts): never sooner than 0.4 s, never slower than 15 s.
    const leader = asked[0] > 0 ? first : second;
    const times = (await recorded(leader)).polls.map((p) => p.at);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(MIN_POLL_MS - 20);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(MAX_POLL_MS + 500);
    // The long listing's three chunks showed as steps ("2/7 · analyzing chunk 1 of 3").
    const chunkSteps = (await recorded(first)).steps.filter((l) =>
      /^\d\/7 · analyzing chunk \d of 3$/.test(l),
    );
    expect(chunkSteps.length).toBeGreaterThan(0);
  });

  it("logged no console error and threw no uncaught exception in any page above", () => {
    expect(errors).toEqual([]);
  });
});
