import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.ts";
import { hydrated, launchBrowser, newVisitor, openTab, type ErrorLog } from "./browser.ts";
import { FAST_MS_PER_TOKEN, startE2EApp, type E2EApp } from "./harness.ts";

/** The batch panel of the analysis page in Chromium, against the production build and the local stack. */
let app: E2EApp;
let browser: Browser;
let person: BrowserContext;
const errors: ErrorLog = [];

beforeAll(async () => {
  app = await startE2EApp();
  browser = await launchBrowser();
  person = await newVisitor(browser);
});
afterAll(async () => {
  await person?.close();
  await browser?.close();
  await app?.stop();
});

describe("batch analysis in a real browser", () => {
  it("starts a batch of three listings, follows it to the end, survives a refresh, and retries the failed one", async () => {
    const page = await openTab(person, app.url, errors);
    const listings = (
      (await (await page.request.get(`${app.url}/api/listings`)).json()) as {
        listings: Array<{ id: string }>;
      }
    ).listings.slice(0, 3);
    for (const l of listings) await page.getByTestId(`batch-pick-${l.id}`).check();
    await page.getByTestId("batch-type").selectOption("risk_assessment");
    await page.getByTestId("batch-min").fill("60"); // 2 of 3 must succeed
    // One of the three fails for good (a request the provider rejects).
    app.openai.setKnobs({
      latencyMsPerToken: FAST_MS_PER_TOKEN,
      failNext: [{ kind: "400", count: 1 }],
    });
    await page.getByTestId("batch-start").click();
    await page.getByTestId("batch").waitFor();
    await page.reload();
    await hydrated(page);
    await eventually(
      async () =>
        (await page.getByTestId("batch").getAttribute("data-status")) === "succeeded" ? true : null,
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(await page.getByTestId("batch-child").count()).toBe(3);
    expect(await page.getByTestId("batch-counts").textContent()).toMatch(/2 succeeded · 1 failed/);

    await page.getByTestId("batch-retry").click();
    await eventually(
      async () => {
        const text = await page.getByTestId("batch-counts").textContent();
        return /3 succeeded · 0 failed/.test(text ?? "") ? true : null;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(errors).toEqual([]);
  });
});
