import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.ts";
import {
  choose,
  jobState,
  jobStatus,
  launchBrowser,
  newVisitor,
  openTab,
  type ErrorLog,
} from "./browser.ts";
import { startE2EApp, type E2EApp } from "./harness.ts";

/**
 * Redis unreachable while a person watches an analysis: the app's port to Redis is closed for
 * real (connections refused), the page keeps showing the job, says it is reconnecting, and
 * finishes once Redis is back. The production build under `next start`, Debian's Chromium.
 */
let app: E2EApp;
let browser: Browser;
const errors: ErrorLog = [];

beforeAll(async () => {
  app = await startE2EApp();
  browser = await launchBrowser();
});
afterAll(async () => {
  await app?.redisLink.up();
  await browser?.close();
  await app?.stop();
});

describe("the analysis page when Redis is unreachable", () => {
  it("keeps the job it shows, says it is reconnecting, and finishes once Redis is back", async () => {
    app.openai.setKnobs({ latencyMsPerToken: 25 });
    const person = await newVisitor(browser);
    const page = await openTab(person, app.url, errors);
    await choose(page, "Northwind Family Bakery", "risk_assessment");
    await page.getByTestId("start").click();
    const before = await eventually(
      async () => {
        const state = await jobState(page);
        return state.status === "running" && state.progress! > 0 ? state : null;
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );

    await app.redisLink.down();
    const banner = page.getByTestId("reconnecting");
    await banner.waitFor({ timeout: 30_000 });
    expect(await banner.textContent()).toMatch(
      /Reconnecting… tabsafe cannot reach its storage right now\. Your analysis is safe/,
    );
    const during = await jobState(page);
    expect(during.id).toBe(before.id); // the same job, still shown as it was
    expect(during.status).toBe("running");
    expect(during.progress).toBeGreaterThanOrEqual(before.progress!);
    await page.waitForTimeout(4_000); // the outage itself

    await app.redisLink.up();
    await jobStatus(page, "succeeded", 90_000);
    expect((await jobState(page)).id).toBe(before.id);
    await banner.waitFor({ state: "detached", timeout: 5_000 });
    app.openai.setKnobs({ latencyMsPerToken: 2 });
    await person.close();
  });
});
