import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.ts";
import { type ErrorLog } from "./browser.ts";
import { collectErrors, launchCdpChromium, type CdpChromium, type CdpTab } from "./cdp.ts";
import { startE2EApp, type E2EApp } from "./harness.ts";
import { INSTRUMENT, READ_JOB, READ_RECORDED, type JobState, type Recorded } from "./instrument.ts";

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

const job = (tab: CdpTab) => tab.evaluate<JobState>(READ_JOB);
const record = (tab: CdpTab) => tab.evaluate<Recorded>(READ_RECORDED);

/** A tab with the app loaded, hydrated, recording its status requests, visibility and titles. */
async function openApp(): Promise<CdpTab> {
  const tab = await chrome.newTab();
  await collectErrors(tab, "tab 1", errors);
  await tab.send("Page.enable");
  await tab.send("Page.addScriptToEvaluateOnNewDocument", { source: INSTRUMENT });
  await tab.send("Page.navigate", { url: app.url });
  await eventually(
    () => tab.evaluate<boolean>(`(() => {
      const button = document.querySelector('[data-testid="start"]');
      return !!button && Object.keys(button).some((k) => k.startsWith("__reactProps"));
    })()`),
    { timeoutMs: 20_000 },
  );
  return tab;
}

describe("switching tabs during a long analysis", () => {
  it("stays quiet while hidden, shows “✓ Analysis ready” in the title when the job ends, and shows the result on return", async () => {
    app.openai.setKnobs({ latencyMsPerToken: SLOW_MS_PER_TOKEN });
    const tab = await openApp();
    await tab.evaluate(`(() => {
      [...document.querySelectorAll('[role="listbox"][aria-label="Business listings"] [role="option"]')].find((o) => o.textContent.includes("Northwind Family Bakery")).click();
    })()`);
    await eventually(() => tab.evaluate<boolean>(`document.querySelector('[role="option"][aria-selected="true"]')?.textContent.includes("Northwind Family Bakery") ?? false`));
    expect(await tab.evaluate<string>(`document.querySelector('[data-testid="analysis-type"]').value`)).toBe("business_analysis");
    await tab.evaluate(`document.querySelector('[data-testid="start"]').click()`);
    const { id: jobId } = await eventually(async () => {
      const state = await job(tab);
      return state.status === "running" ? state : null;
    }, { timeoutMs: 20_000 });

    // The person switches to another tab: this one is now really hidden.
    const other = await chrome.newTab();
    await chrome.activate(other);
    await eventually(() => tab.evaluate<boolean>(`document.visibilityState === "hidden"`), { timeoutMs: 5_000 });
    const hiddenAt = (await record(tab)).visibility.find((v) => v.state === "hidden")!.at;

    // The job runs to its end on the server meanwhile, and it is a long one.
    const stored = await eventually(async () => {
      const hash = await app.jobHash(jobId!);
      return hash?.status === "succeeded" ? hash : null;
    }, { timeoutMs: 150_000, intervalMs: 1_000 });
    const took = Number(stored.finishedAt) - Number(stored.startedAt);
    expect(took).toBeGreaterThanOrEqual(60_000);

    // Still hidden, the tab learns the job has ended (with at most two slow polls: none in its first minute hidden, then one near the estimated end) and says so in its title.
    await eventually(() => tab.evaluate<boolean>(`document.title.startsWith("✓ Analysis ready")`), { timeoutMs: 60_000, intervalMs: 500 });
    const whileHidden = await record(tab);
    const backAt = Date.now();
    expect(whileHidden.visibility.map((v) => v.state)).toEqual(["hidden"]); // hidden all along
    expect(backAt - hiddenAt).toBeGreaterThan(took);
    expect(whileHidden.polls.filter((p) => p.at >= hiddenAt).length).toBeLessThanOrEqual(2);
    expect(whileHidden.polls.filter((p) => p.hidden).length).toBeLessThanOrEqual(2);
    expect(whileHidden.polls.filter((p) => p.hidden && p.at < hiddenAt + 60_000)).toEqual([]); // quiet for its first minute hidden
    expect(app.requests.count(STATUS, hiddenAt + 50)).toBeLessThanOrEqual(2);
    expect(whileHidden.titles.find((t) => t.title.startsWith("✓ Analysis ready"))?.hidden).toBe(true);

    // Back to the tab: the result is there, and the title is the page's own again.
    await chrome.activate(tab);
    await eventually(async () => {
      const state = await job(tab);
      return state.status === "succeeded" && state.hasResult;
    }, { timeoutMs: 5_000 });
    await eventually(() => tab.evaluate<boolean>(`document.visibilityState === "visible" && !document.title.includes("Analysis ready")`), { timeoutMs: 2_000 });
    expect(errors).toEqual([]);
  });
});
