import { afterAll, beforeAll, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { startE2EApp, type E2EApp } from "./harness.ts";
import { launchBrowser, newVisitor, openTab, jobState, choose, jobStatus } from "./browser.ts";

let app: E2EApp;
let browser: Browser;
beforeAll(async () => {
  const t = Date.now();
  app = await startE2EApp();
  console.log("app up in", Date.now() - t, app.url);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

it("smoke", async () => {
  const errors: string[] = [];
  const ctx = await newVisitor(browser);
  const page = await openTab(ctx, app.url, errors);
  const titles = await page.getByRole("listbox", { name: "Business listings" }).getByRole("button").allTextContents();
  console.log(titles);
  let i = 0;
  for (const ms of [2, 20, 20, 20]) {
    app.openai.setKnobs({ latencyMsPerToken: ms });
    const t = Date.now();
    const c = await newVisitor(browser);
    const page = await openTab(c, app.url, errors);
    await choose(page, "Northwind Family Bakery", ["business_analysis", "risk_assessment", "market_intelligence", "business_analysis"][i++]);
    await page.getByTestId("start").click();
    await jobStatus(page, "succeeded", 120_000);
    const s = await jobState(page);
    const h = await app.jobHash(s.id!);
    console.log(ms, "ms/token: ui", Date.now() - t, "server", Number(h!.finishedAt) - Number(h!.startedAt), "created->finished", Number(h!.finishedAt) - Number(h!.createdAt), s);
  }
  console.log(app.requests.hits().reduce((m, h) => ((m[h.method + " " + h.path] = (m[h.method + " " + h.path] ?? 0) + 1), m), {} as Record<string, number>));
  console.log(errors);
  expect(true).toBe(true);
});
