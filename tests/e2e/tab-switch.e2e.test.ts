import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.ts";
import type { ErrorLog } from "./browser.ts";
import { launchCdpChromium, type CdpChromium } from "./cdp.ts";
import { startE2EApp, type E2EApp } from "./harness.ts";
import { openPersonTab } from "./person.ts";

/**
 * A person starts a long analysis, switches to another tab for longer than the analysis takes,
 * and comes back. Driven over the raw DevTools protocol: Playwright would keep the tab "visible";
 * here the tab is really hidden, as in a person's browser (see cdp.ts).
 */
const STATUS = "/api/analysis/status";
/** At this speed the long listing's business analysis takes ~65–70 s on the simulator. */
const SLOW_MS_PER_TOKEN = 150;

let app: E2EApp;
let chrome: CdpChromium;
const errors: ErrorLog = [];
beforeAll(async () => {
  app = await startE2EApp();
  chrome = await launchCdpChromium();
});
afterAll(async () => {
  await chrome?.close();
  await app?.stop();
});

describe("switching tabs during a long analysis", () => {
  it("stays quiet while hidden, shows “✓ Analysis ready” in the title when the job ends, and shows the result on return", async () => {
    app.openai.setKnobs({ latencyMsPerToken: SLOW_MS_PER_TOKEN });
    const tab = await openPersonTab(chrome, app.url, errors, "tab 1");
    await tab.pick("Northwind Family Bakery", "business_analysis");
    await tab.click("start");
    const { id: jobId } = await eventually(
      async () => {
        const state = await tab.job();
        return state.status === "running" ? state : null;
      },
      { timeoutMs: 20_000 },
    );

    // The person switches to another tab: this one is now really hidden.
    const other = await chrome.newTab();
    await chrome.activate(other);
    await eventually(() => tab.evaluate<boolean>(`document.visibilityState === "hidden"`), {
      timeoutMs: 5_000,
    });
    const hiddenAt = (await tab.recorded()).visibility.find((v) => v.state === "hidden")!.at;

    // The job runs to its end on the server meanwhile, and it is a long one.
    const stored = await eventually(
      async () => {
        const hash = await app.jobHash(jobId!);
        return hash?.status === "succeeded" ? hash : null;
      },
      { timeoutMs: 150_000, intervalMs: 1_000 },
    );
    const took = Number(stored.finishedAt) - Number(stored.startedAt);
    expect(took).toBeGreaterThanOrEqual(60_000);

    // Still hidden, the tab learns the job has ended and says so in its title: at most two slow
    // polls, none in its first minute hidden, then one near the estimated end.
    await eventually(() => tab.evaluate<boolean>(`document.title.startsWith("✓ Analysis ready")`), {
      timeoutMs: 60_000,
      intervalMs: 500,
    });
    const whileHidden = await tab.recorded();
    const backAt = Date.now();
    expect(whileHidden.visibility.map((v) => v.state)).toEqual(["hidden"]); // hidden all along
    expect(backAt - hiddenAt).toBeGreaterThan(took);
    expect(whileHidden.polls.filter((p) => p.at >= hiddenAt).length).toBeLessThanOrEqual(2);
    expect(whileHidden.polls.filter((p) => p.hidden).length).toBeLessThanOrEqual(2);
    expect(whileHidden.polls.filter((p) => p.hidden && p.at < hiddenAt + 60_000)).toEqual([]); // quiet for its first minute hidden
    expect(app.requests.count(STATUS, hiddenAt + 50)).toBeLessThanOrEqual(2);
    expect(whileHidden.titles.find((t) => t.title.startsWith("✓ Analysis ready"))?.hidden).toBe(
      true,
    );

    // Back to the tab: the result is there, and the title is the page's own again.
    await chrome.activate(tab);
    await eventually(
      async () => {
        const state = await tab.job();
        return state.status === "succeeded" && state.hasResult;
      },
      { timeoutMs: 5_000 },
    );
    await eventually(
      () =>
        tab.evaluate<boolean>(
          `document.visibilityState === "visible" && !document.title.includes("Analysis ready")`,
        ),
      { timeoutMs: 2_000 },
    );
    expect(errors).toEqual([]);
  });
});
