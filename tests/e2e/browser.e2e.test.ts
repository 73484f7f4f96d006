import { Redis } from "@upstash/redis";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.ts";
import { startE2EApp, type E2EApp } from "./support/app.ts";
import { jobState, launchBrowser, watch } from "./support/browser.ts";

let app: E2EApp;
let browser: Browser;
beforeAll(async () => {
  app = await startE2EApp();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

const LONG = "Northwind Family Bakery";
const SHORT = "Harbor Street Coffee Roasters";

async function open(context?: BrowserContext): Promise<{ page: Page; context: BrowserContext; seen: ReturnType<typeof watch> }> {
  const ctx = context ?? (await browser.newContext());
  const page = await ctx.newPage();
  const seen = watch(page);
  await page.goto(app.url);
  return { page, context: ctx, seen };
}

async function choose(page: Page, listing: string, type = "business_analysis") {
  await page.getByRole("listbox", { name: "Business listings" }).getByText(listing).click();
  await page.getByTestId("analysis-type").selectOption(type);
}

const waitStatus = (page: Page, status: string, timeout = 60_000) => page.locator(`[data-testid="job"][data-status="${status}"]`).waitFor({ timeout });

async function jobKeys(): Promise<string[]> {
  const redis = new Redis({ url: app.env.UPSTASH_REDIS_REST_URL, token: app.env.UPSTASH_REDIS_REST_TOKEN, automaticDeserialization: false, enableTelemetry: false });
  const [, found] = await redis.scan(0, { match: `${app.env.REDIS_KEY_PREFIX}job:*`, count: 1000 });
  return found.filter((k) => /job:[A-Za-z0-9_-]{16}$/.test(k));
}

describe("in a real browser", () => {
  it("turns a triple click and a second tab starting the same analysis into one job", async () => {
    const before = (await jobKeys()).length;
    const first = await open();
    await choose(first.page, SHORT, "risk_assessment");
    await first.page.getByTestId("start").click({ clickCount: 3 });
    const second = await open(first.context);
    await choose(second.page, SHORT, "risk_assessment");
    const start2 = second.page.getByTestId("start");
    if (await start2.isVisible()) await start2.click();
    await waitStatus(first.page, "succeeded");
    await waitStatus(second.page, "succeeded");
    expect((await jobState(first.page)).id).toBe((await jobState(second.page)).id);
    expect((await jobKeys()).length - before).toBe(1);
    expect([...first.seen.errors, ...second.seen.errors]).toEqual([]);
    await first.context.close();
  });

  it("resumes after a refresh at the current progress, not from zero, and finishes", async () => {
    app.openai.setKnobs({ latencyMsPerToken: 20 });
    const { page, context, seen } = await open();
    await choose(page, LONG);
    await page.getByTestId("start").click();
    await eventually(async () => (await jobState(page)).progress >= 20, { timeoutMs: 30_000, intervalMs: 100 });
    const before = await jobState(page);
    await page.reload();
    const after = await eventually(async () => {
      const s = await jobState(page);
      return s.id ? s : null;
    }, { timeoutMs: 15_000, intervalMs: 50 });
    expect(after.id).toBe(before.id);
    expect(after.progress).toBeGreaterThanOrEqual(before.progress);
    await waitStatus(page, "succeeded");
    await page.getByTestId("result").waitFor();
    expect(seen.errors).toEqual([]);
    await context.close();
  });

  it("goes quiet while offline, says so, and resumes when the network is back", async () => {
    app.openai.setKnobs({ latencyMsPerToken: 20 });
    const { page, context, seen } = await open();
    await choose(page, LONG, "market_intelligence");
    await page.getByTestId("start").click();
    await waitStatus(page, "running", 15_000);
    await context.setOffline(true);
    await page.getByTestId("offline").waitFor();
    const polls = seen.polls();
    await page.waitForTimeout(6_000); // the scenario itself: a stretch of time without network
    expect(seen.polls() - polls).toBe(0);
    await context.setOffline(false);
    await waitStatus(page, "succeeded");
    expect(await page.getByTestId("offline").count()).toBe(0);
    expect(seen.errors).toEqual([]);
    await context.close();
  });

  it("cancels: the stream is aborted, the job shows canceled, and Start is available again", async () => {
    app.openai.setKnobs({ latencyMsPerToken: 60 });
    const { page, context, seen } = await open();
    await choose(page, LONG, "risk_assessment");
    await page.getByTestId("start").click();
    await page.locator(".partial").waitFor({ timeout: 20_000 });
    const { id } = await jobState(page);
    await page.getByTestId("cancel").click();
    await waitStatus(page, "canceled", 10_000);
    await page.getByTestId("start").waitFor();
    const last = await eventually(() => app.openai.calls().filter((c) => c.metadata?.job_id === id && c.endedAt).at(-1));
    expect(last.outcome).toBe("aborted");
    expect(seen.errors).toEqual([]);
    await context.close();
  });

  it("shows the same progress in a second tab while only one tab polls", async () => {
    app.openai.setKnobs({ latencyMsPerToken: 25 });
    const first = await open();
    await choose(first.page, LONG, "business_analysis");
    await first.page.getByTestId("analysis-type").selectOption("market_intelligence");
    await first.page.getByTestId("start").click();
    await waitStatus(first.page, "running", 15_000);
    const second = await open(first.context); // same visitor: reattaches to the current job
    await waitStatus(second.page, "running", 15_000);
    expect((await jobState(second.page)).id).toBe((await jobState(first.page)).id);
    await first.page.waitForTimeout(1_500); // let the second tab settle after its first lookup
    const a = first.seen.polls();
    const b = second.seen.polls();
    await first.page.waitForTimeout(5_000);
    const polled = [first.seen.polls() - a, second.seen.polls() - b];
    expect(Math.min(...polled)).toBe(0);
    expect(Math.max(...polled)).toBeGreaterThan(0);
    await waitStatus(first.page, "succeeded");
    await waitStatus(second.page, "succeeded");
    expect([...first.seen.errors, ...second.seen.errors]).toEqual([]);
    await first.context.close();
  });
});
