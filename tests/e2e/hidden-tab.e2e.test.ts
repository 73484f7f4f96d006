import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.ts";
import { startE2EApp, type E2EApp } from "./support/app.ts";
import { launchCdpChromium } from "./support/cdp.ts";

let app: E2EApp;
beforeAll(async () => {
  app = await startE2EApp();
});
afterAll(async () => app?.stop());

/** Logs every status request the page makes, with whether the tab was hidden at that moment. */
const INSTRUMENT = `
  window.__polls = [];
  const realFetch = window.fetch;
  window.fetch = function (input, init) {
    const url = String(input instanceof Request ? input.url : input);
    if (url.includes("/api/analysis/status")) window.__polls.push({ at: Date.now(), hidden: document.visibilityState === "hidden" });
    return realFetch.apply(this, arguments);
  };`;

describe("tab switching, with the tab really hidden", () => {
  it("stays quiet in a hidden tab for the whole job, flags the finished job in the title, and shows the result on return", async () => {
    app.openai.setKnobs({ latencyMsPerToken: 170 }); // the long listing then takes more than a minute (~65 s)
    const chrome = await launchCdpChromium();
    try {
      const tab = await chrome.newTab();
      await tab.send("Page.enable");
      await tab.send("Page.addScriptToEvaluateOnNewDocument", { source: INSTRUMENT });
      await tab.send("Page.navigate", { url: app.url });
      await eventually(() => tab.evaluate<boolean>(`!!document.querySelector('[data-testid="start"]')`), { timeoutMs: 20_000 });
      // Clicks before hydration are lost: click until the selection shows (selecting is idempotent).
      await eventually(() =>
        tab.evaluate<boolean>(`(() => {
          [...document.querySelectorAll('[role="listbox"] button')].find((b) => b.textContent.includes("Northwind")).click();
          return document.querySelector('[aria-selected="true"]')?.textContent.includes("Northwind") ?? false;
        })()`),
      );
      await tab.evaluate(`document.querySelector('[data-testid="start"]').click()`);
      const jobId = await eventually(() => tab.evaluate<string | null>(`document.querySelector('[data-testid="job"][data-status="running"]')?.dataset.jobId ?? null`), { timeoutMs: 20_000 });

      // A second tab in front: the first is now really hidden.
      const other = await chrome.newTab();
      await chrome.activate(other);
      await eventually(() => tab.evaluate<boolean>(`document.visibilityState === "hidden"`));
      const hiddenAt = Date.now();

      // The job runs to the end on the server meanwhile.
      const redis = new Redis({ url: app.env.UPSTASH_REDIS_REST_URL, token: app.env.UPSTASH_REDIS_REST_TOKEN, automaticDeserialization: false, enableTelemetry: false });
      const key = `${app.env.REDIS_KEY_PREFIX}job:${jobId}`;
      const [startedAt, finishedAt] = await eventually(async () => {
        const [status, s, f] = (await redis.hmget(key, "status", "startedAt", "finishedAt")) as unknown as [string, string, string];
        return status === "succeeded" ? [Number(s), Number(f)] : null;
      }, { timeoutMs: 150_000, intervalMs: 1_000 });
      expect(finishedAt - startedAt).toBeGreaterThanOrEqual(60_000);

      // Its one slow poll while hidden finds the job done: the title says so.
      await eventually(() => tab.evaluate<boolean>(`document.title.startsWith("✓ Analysis ready")`), { timeoutMs: 60_000, intervalMs: 500 });
      const hiddenFor = Date.now() - hiddenAt;
      expect(hiddenFor).toBeGreaterThan(finishedAt - startedAt);
      const hiddenPolls = await tab.evaluate<number>(`window.__polls.filter((p) => p.hidden).length`);
      expect(hiddenPolls).toBeLessThanOrEqual(1);

      // Back to the tab: the result is there, and the title is back to normal.
      await chrome.activate(tab);
      await eventually(() => tab.evaluate<boolean>(`!!document.querySelector('[data-testid="job"][data-status="succeeded"] [data-testid="result"]')`), { timeoutMs: 10_000 });
      expect(await tab.evaluate<string>("document.title")).not.toMatch(/Analysis ready/);
      tab.close();
      other.close();
    } finally {
      await chrome.close();
      app.openai.setKnobs({ latencyMsPerToken: 2 });
    }
  });
});
