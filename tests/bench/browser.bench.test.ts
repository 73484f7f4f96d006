import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startE2EApp, type E2EApp } from "../e2e/harness.ts";
import { jobState, launchBrowser } from "../e2e/browser.ts";
import { Redis } from "@upstash/redis";
import { report, type Row } from "./report.ts";

/**
 * `npm run bench`, browser half: what the person's browser costs and sees, in Chromium against
 * the production build and the local stack. Polls are counted as requests the pages make.
 */
let app: E2EApp;
let browser: Browser;
const row = (r: Row) => report("browser (Chromium against the production build)", r);
beforeAll(async () => {
  app = await startE2EApp();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

const pct = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))];

async function tabs(context: BrowserContext, n: number): Promise<{ pages: Page[]; polls: () => number }> {
  let polls = 0;
  const pages: Page[] = [];
  for (let i = 0; i < n; i++) {
    const page = await context.newPage();
    page.on("request", (r) => void (r.url().includes("/api/analysis/status") && polls++));
    pages.push(page);
  }
  return { pages, polls: () => polls };
}

async function startIn(page: Page, listing: string, type: string) {
  await page.goto(app.url);
  await page.getByRole("listbox", { name: "Business listings" }).getByText(listing).click();
  await page.getByTestId("analysis-type").selectOption(type);
  await page.getByTestId("start").click();
  await page.locator('[data-testid="job"]').waitFor();
}

const done = (page: Page) => page.locator('[data-testid="job"][data-status="succeeded"]').waitFor({ timeout: 180_000 });

it("status requests per 60 s job, with one tab and with three tabs open", async () => {
  app.openai.setKnobs({ latencyMsPerToken: 170 }); // ~65 s for the long listing
  const one = await tabs(await browser.newContext(), 1);
  const three = await tabs(await browser.newContext(), 3);
  await Promise.all([startIn(one.pages[0], "Northwind Family Bakery", "business_analysis"), startIn(three.pages[0], "Northwind Family Bakery", "risk_assessment")]);
  await Promise.all([three.pages[1].goto(app.url), three.pages[2].goto(app.url)]); // they reattach to the running job
  const t = Date.now();
  await Promise.all([done(one.pages[0]), ...three.pages.map(done)]);
  const seconds = ((Date.now() - t) / 1000).toFixed(0);
  row([`status requests per job, 1 tab (${seconds} s job)`, String(one.polls()), "≤ 15"]);
  row([`status requests per job, 3 tabs (${seconds} s job)`, String(three.polls()), "≤ 15"]);
  expect(one.polls()).toBeGreaterThan(0);
});

it("completion → visible in the UI, for a visible tab", async () => {
  app.openai.setKnobs({ latencyMsPerToken: 8 }); // a few seconds per job
  const redis = new Redis({ url: app.env.UPSTASH_REDIS_REST_URL, token: app.env.UPSTASH_REDIS_REST_TOKEN, automaticDeserialization: false, enableTelemetry: false });
  const lags: number[] = [];
  const types = ["business_analysis", "market_intelligence", "risk_assessment"];
  for (let i = 0; i < 12; i++) {
    const page = await (await browser.newContext()).newPage();
    await startIn(page, i % 2 ? "Northwind Family Bakery" : "Alpine Outfitters", types[i % 3]);
    await done(page);
    const shownAt = Date.now();
    const { id } = await jobState(page);
    const finishedAt = Number(await redis.hget(`${app.env.REDIS_KEY_PREFIX}job:${id}`, "finishedAt"));
    lags.push(shownAt - finishedAt);
    await page.context().close();
  }
  row(["completion → visible p50 / p95", `${(pct(lags, 50) / 1000).toFixed(2)} s / ${(pct(lags, 95) / 1000).toFixed(2)} s`, "≤ 1 s / ≤ 3 s"]);
  expect(lags.every((l) => l >= 0)).toBe(true);
});
