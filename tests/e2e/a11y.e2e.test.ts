import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.ts";
import { seriousViolations } from "./axe.ts";
import {
  choose,
  jobState,
  jobStatus,
  launchBrowser,
  newVisitor,
  openTab,
  type ErrorLog,
} from "./browser.ts";
import { E2E_OPS_TOKEN, FAST_MS_PER_TOKEN, startE2EApp, type E2EApp } from "./harness.ts";

/**
 * The analysis page and /ops for people on a keyboard or a screen reader, in Chromium against
 * the production build: axe-core finds no serious or critical violation in any state a job can
 * be in nor on any /ops page; focus follows Start → Cancel → Start; the listings are one Tab
 * stop walked with the arrows; the live region speaks at milestones, not every percent.
 */
const SHORT = "Harbor Street Coffee Roasters";
const LONG = "Northwind Family Bakery";
/** Long too (three chunks), and analysed by no other test here, so its job starts from scratch. */
const OTHER_LONG = "Alpine Outfitters";

let app: E2EApp;
let browser: Browser;
let person: BrowserContext;
let page: Page;
const errors: ErrorLog = [];
/** The job each state left behind, for the /ops pages about it. */
const jobs: Record<string, string> = {};

beforeAll(async () => {
  app = await startE2EApp();
  browser = await launchBrowser();
  person = await newVisitor(browser);
  page = await openTab(person, app.url, errors);
});
afterAll(async () => {
  await person?.close();
  await browser?.close();
  await app?.stop();
});

/** The data-testid of the focused element, or its tag when it has none ("BODY": focus was lost). */
const focused = (p: Page) =>
  p.evaluate(
    () =>
      document.activeElement?.getAttribute("data-testid") ??
      document.activeElement?.tagName ??
      null,
  );

/** Starts the chosen analysis from the keyboard: focus on Start, Enter. Returns the job's id. */
async function startWithKeyboard(p: Page): Promise<string> {
  await p.getByTestId("start").focus();
  await p.keyboard.press("Enter");
  const { id } = await eventually(
    async () => {
      const state = await jobState(p);
      return state.id && (state.status === "queued" || state.status === "running") ? state : null;
    },
    { timeoutMs: 15_000 },
  );
  return id!;
}

describe("the analysis page with axe-core, in every state of a job", () => {
  it("idle", async () => {
    expect(await seriousViolations(page)).toEqual([]);
  });

  it("running (the streamed text showing), then done with its report", async () => {
    app.openai.setKnobs({ latencyMsPerToken: 15 });
    await choose(page, LONG, "market_intelligence");
    jobs.done = await startWithKeyboard(page);
    await page.locator('[aria-label="Streaming output"]').waitFor({ timeout: 20_000 });
    expect(await seriousViolations(page)).toEqual([]);
    await jobStatus(page, "succeeded");
    await page.getByTestId("result").waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  });

  it("failed", async () => {
    app.openai.setKnobs({
      latencyMsPerToken: FAST_MS_PER_TOKEN,
      failNext: [{ kind: "400", count: 1 }],
    });
    await choose(page, SHORT, "business_analysis");
    jobs.failed = await startWithKeyboard(page);
    await jobStatus(page, "failed");
    await page.getByTestId("job-error").waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  });

  it("canceled", async () => {
    app.openai.setKnobs({ latencyMsPerToken: 60 });
    await choose(page, LONG, "risk_assessment");
    jobs.canceled = await startWithKeyboard(page);
    await page.getByTestId("cancel").click();
    await jobStatus(page, "canceled", 15_000);
    expect(await seriousViolations(page)).toEqual([]);
    app.openai.setKnobs({ latencyMsPerToken: FAST_MS_PER_TOKEN });
  });
});

describe("the keyboard", () => {
  it("lands on Cancel after Enter on Start, and back on Start when the job is canceled or ends", async () => {
    app.openai.setKnobs({ latencyMsPerToken: 40 });
    const tab = await openTab(person, app.url, errors);
    await choose(tab, LONG, "business_analysis");
    await startWithKeyboard(tab);
    await eventually(async () => (await focused(tab)) === "cancel");

    await tab.keyboard.press("Enter"); // Cancel
    await jobStatus(tab, "canceled", 15_000);
    await eventually(async () => (await focused(tab)) === "start");

    // Enter on Start again picks the canceled job up; it runs to its end with focus on Cancel, then on Start.
    app.openai.setKnobs({ latencyMsPerToken: FAST_MS_PER_TOKEN });
    await tab.keyboard.press("Enter");
    await eventually(async () => (await focused(tab)) === "cancel", { timeoutMs: 15_000 });
    await jobStatus(tab, "succeeded");
    await eventually(async () => (await focused(tab)) === "start");
    await tab.close();
  });

  it("reaches the listings in one Tab stop and walks them with the arrows, selecting as it goes", async () => {
    const tab = await openTab(person, app.url, errors);
    const listings = tab.getByRole("listbox", { name: "Business listings" });
    const options = listings.getByRole("option");
    const title = (el: Element) => el.querySelector(".listing-title")?.textContent ?? "";
    const selected = () => listings.getByRole("option", { selected: true }).evaluate(title);
    const names = await options.evaluateAll(
      (els, read) => els.map((el) => el.querySelector(read)?.textContent ?? ""),
      ".listing-title",
    );
    // One option is in the Tab order: the selected one.
    expect(
      await options.evaluateAll(
        (els) => els.filter((el) => (el as HTMLElement).tabIndex === 0).length,
      ),
    ).toBe(1);
    await listings.getByRole("option", { selected: true }).focus();
    const first = names.indexOf(await selected());
    await tab.keyboard.press("ArrowDown");
    await eventually(async () => (await selected()) === names[first + 1]);
    expect(await tab.evaluate(() => document.activeElement?.getAttribute("aria-selected"))).toBe(
      "true",
    );
    await tab.keyboard.press("End");
    await eventually(async () => (await selected()) === names.at(-1));
    await tab.keyboard.press("Home");
    await eventually(async () => (await selected()) === names[0]);
    // No option holds a control of its own (axe's nested-interactive).
    expect(await listings.locator("button, a, input, [tabindex] [tabindex]").count()).toBe(0);
    await tab.close();
  });
});

describe("the live region", () => {
  it("announces each step and the end, never the percent or the seconds ticking", async () => {
    app.openai.setKnobs({ latencyMsPerToken: 60 });
    // A new person: the page of one who ran a job before reattaches it (already done) and speaks its end first.
    const newcomer = await newVisitor(browser);
    const tab = await openTab(newcomer, app.url, errors);
    await tab.evaluate(() => {
      const spoken: string[] = [];
      (window as unknown as { __spoken: string[] }).__spoken = spoken;
      const region = document.querySelector('[data-testid="announcer"]')!;
      new MutationObserver(() => {
        const text = region.textContent ?? "";
        if (text && spoken.at(-1) !== text) spoken.push(text);
      }).observe(region, { subtree: true, childList: true, characterData: true });
    });
    await choose(tab, OTHER_LONG, "risk_assessment");
    await tab.getByTestId("start").click();
    await jobStatus(tab, "succeeded");
    await eventually(async () =>
      (await tab.getByTestId("announcer").textContent())?.startsWith("Analysis done"),
    );
    const spoken = await tab.evaluate(() => (window as unknown as { __spoken: string[] }).__spoken);

    // Seven steps for a listing of three chunks: at most one sentence each, plus queued, started and done.
    const steps = spoken.filter((line) => /^Step \d of 7: .+\.$/.test(line));
    expect(steps.length).toBeGreaterThanOrEqual(2);
    expect(spoken.length).toBeLessThanOrEqual(7 + 3);
    expect(spoken.at(-1)).toBe("Analysis done. The report follows.");
    for (const line of spoken)
      expect(line).toMatch(
        /^(Analysis queued\.|Analysis started\.|Step \d of 7: .+\.|Analysis done\. The report follows\.)$/,
      );
    // No other live region on the page speaks the numbers that change every moment.
    const live = await tab.evaluate(() =>
      [
        ...document.querySelectorAll('[aria-live], [role="status"], [role="alert"], [role="log"]'),
      ].map((el) => el.textContent ?? ""),
    );
    for (const text of live) expect(text).not.toMatch(/elapsed|%/);
    await newcomer.close();
  });

  it("says how a failed or canceled job ended", async () => {
    await page.bringToFront();
    // The page above was left on its canceled job.
    expect(await page.getByTestId("announcer").textContent()).toBe("Analysis canceled.");
    await page.locator(`[data-testid="history"] li[data-job-id="${jobs.failed}"] button`).click();
    await jobStatus(page, "failed");
    await eventually(async () =>
      (await page.getByTestId("announcer").textContent())?.startsWith(
        "Analysis failed. The AI provider rejected",
      ),
    );
  });
});

describe("the /ops pages with axe-core", () => {
  let operator: BrowserContext;
  let ops: Page;
  let fingerprint = "";

  beforeAll(async () => {
    operator = await browser.newContext();
    ops = await operator.newPage();
    ops.on("pageerror", (e) => errors.push(`ops pageerror: ${e.message}`));
    await ops.goto(`${app.url}/ops`);
    await ops.getByTestId("ops-signin").waitFor();
  });
  afterAll(async () => {
    await operator?.close();
  });

  it("sign-in", async () => {
    expect(await seriousViolations(ops)).toEqual([]);
    await ops.getByTestId("ops-token").fill(E2E_OPS_TOKEN);
    await ops.getByTestId("ops-signin-submit").click();
    await ops.getByTestId("ops-signout").waitFor();
  });

  it("overview, with its charts, alerts, health and the visitors panel", async () => {
    await ops.goto(`${app.url}/ops?window=15`);
    await ops.getByTestId("health-status").waitFor({ timeout: 15_000 });
    await ops.locator('[data-testid="chart-throughput"] .recharts-wrapper').waitFor();
    await ops.locator('[data-testid="chart-visitor-days"] .recharts-wrapper').waitFor();
    await ops.getByTestId("peak-hours").locator("td[data-hour-of-week]").first().waitFor();
    expect(await seriousViolations(ops)).toEqual([]);
  });

  it("errors, and an error group's detail", async () => {
    await ops.goto(`${app.url}/ops/errors`);
    await ops.getByTestId("error-group").first().waitFor({ timeout: 15_000 });
    expect(await seriousViolations(ops)).toEqual([]);
    fingerprint =
      (await ops.getByTestId("error-group").first().getAttribute("data-fingerprint")) ?? "";
    await ops.goto(`${app.url}/ops/errors/${fingerprint}`);
    await ops.getByTestId("error-group-detail").waitFor({ timeout: 15_000 });
    await ops.getByTestId("error-sample").first().waitFor();
    expect(await seriousViolations(ops)).toEqual([]);
  });

  it("jobs, and a job's detail", async () => {
    await ops.goto(`${app.url}/ops/jobs`);
    await ops.getByTestId("job-row").first().waitFor({ timeout: 15_000 });
    expect(await seriousViolations(ops)).toEqual([]);
    await ops.goto(`${app.url}/ops/jobs/${jobs.failed}`);
    await ops.getByTestId("job-detail").waitFor({ timeout: 15_000 });
    await ops.getByTestId("job-step").first().waitFor();
    expect(await seriousViolations(ops)).toEqual([]);
  });

  it("DLQ, with the failed job's dead letter", async () => {
    await ops.goto(`${app.url}/ops/dlq`);
    await ops.getByTestId("dlq-row").first().waitFor({ timeout: 15_000 });
    expect(await seriousViolations(ops)).toEqual([]);
  });

  it("at a phone's width too (390 px), where the tables change shape", async () => {
    await ops.setViewportSize({ width: 390, height: 844 });
    for (const [path, ready] of [
      ["/ops", "health-status"],
      ["/ops/errors", "error-group"],
      ["/ops/jobs", "job-row"],
      ["/ops/dlq", "dlq-row"],
    ]) {
      await ops.goto(`${app.url}${path}`);
      await ops.getByTestId(ready).first().waitFor({ timeout: 15_000 });
      expect(await seriousViolations(ops), path).toEqual([]);
    }
  });
});

describe("the pages above", () => {
  it("logged no console error and threw no uncaught exception", () => {
    expect(errors).toEqual([]);
  });
});
