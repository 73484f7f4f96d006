import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitForStatus } from "../helpers/jobs.ts";
import { Visitor } from "../helpers/visitor.ts";
import { seriousViolations } from "./axe.ts";
import { launchBrowser, type ErrorLog } from "./browser.ts";
import { E2E_OPS_TOKEN, startE2EApp, type E2EApp } from "./harness.ts";

/**
 * The flow-control panel of /ops in Chromium (Playwright) against `next build` + `next start`
 * and the local stack: it shows the app's key, Pause asks before it stops every analysis, a
 * paused key holds a started analysis in QStash (the panel counts it waiting, health says
 * paused), and Resume lets it run to success. axe-core finds nothing serious in the panel,
 * with its confirmation open too.
 */
const KEY = "openai-gpt-5-mini";
let app: E2EApp;
let browser: Browser;
let operator: BrowserContext;
let page: Page;
const errors: ErrorLog = [];

beforeAll(async () => {
  app = await startE2EApp();
  browser = await launchBrowser();
  operator = await browser.newContext();
  page = await operator.newPage();
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => void (m.type() === "error" && errors.push(`console: ${m.text()}`)));
  await page.goto(`${app.url}/ops?window=15`);
  await page.getByTestId("ops-token").fill(E2E_OPS_TOKEN);
  await page.getByTestId("ops-signin-submit").click();
  await page.getByTestId("ops-signout").waitFor();
});
afterAll(async () => {
  await operator?.close();
  await browser?.close();
  await app?.stop();
});

const row = () => page.locator(`[data-testid="flow-row"][data-key="${KEY}"]`);
const rowState = () => row().getAttribute("data-state");
const focused = () => page.evaluate(() => document.activeElement?.getAttribute("data-testid"));
/** What the app's own API says, from the signed-in page (the panel must agree with it). */
const pausedAtQStash = () =>
  page.evaluate(async (key) => {
    const state = await (await fetch("/api/ops/flow")).json();
    return state.keys.find((k: { key: string }) => k.key === key)?.paused as boolean;
  }, KEY);

describe("the flow-control panel", () => {
  it("shows the app's key with its limits and the account's parallelism", async () => {
    await row().waitFor({ timeout: 15_000 });
    expect(["not used yet", "flowing"]).toContain(await rowState());
    expect(await row().textContent()).toContain("20 at once");
    expect(await page.getByTestId("flow-global").textContent()).toMatch(/of 100 deliveries/);
    expect(await seriousViolations(page)).toEqual([]);
  });

  it("Pause asks first, naming what it stops, with Keep running focused; Keep running changes nothing", async () => {
    await row().getByTestId("flow-pause").click();
    const confirm = page.getByTestId("flow-confirm");
    await confirm.waitFor();
    expect(await confirm.textContent()).toMatch(/No analysis reaches OpenAI until you resume/);
    expect(await focused()).toBe("flow-confirm-cancel");
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByTestId("flow-confirm-cancel").click();
    await confirm.waitFor({ state: "detached" });
    await expect.poll(focused).toBe("flow-pause");
    expect(await pausedAtQStash()).toBe(false);
  });

  it("Pause holds a started analysis in QStash: waiting 1, health paused, the job queued; Resume lets it succeed", async () => {
    await row().getByTestId("flow-pause").click();
    await page.getByTestId("flow-confirm-pause").click();
    await expect.poll(rowState).toBe("paused");
    expect(await page.getByTestId("flow-outcome").textContent()).toMatch(`Paused ${KEY}`);
    await expect.poll(focused).toBe("flow-resume");
    expect(await row().textContent()).toMatch(/since /);
    expect(await pausedAtQStash()).toBe(true);

    const visitor = new Visitor(app.url);
    const { listings } = (await (await visitor.request("/api/listings")).json()) as {
      listings: Array<{ id: string }>;
    };
    const { body } = await visitor.start({
      listingId: listings[0].id,
      analysisType: "risk_assessment",
    });
    await expect
      .poll(() => row().getByTestId("flow-waiting").textContent(), { timeout: 15_000 })
      .toBe("1");
    await expect
      .poll(() => page.getByTestId("health-flow").textContent(), { timeout: 15_000 })
      .toMatch(new RegExp(`paused.*${KEY}: 1 waiting`));
    expect(await page.getByTestId("health").textContent()).toMatch(
      `Flow control ${KEY} paused since`,
    );
    expect((await visitor.status(body.job.id)).job?.status).toBe("queued");

    await row().getByTestId("flow-resume").click();
    await expect.poll(rowState).toBe("flowing");
    expect(await page.getByTestId("flow-outcome").textContent()).toMatch(`Resumed ${KEY}`);
    const done = await waitForStatus(visitor, body.job.id, ["succeeded", "failed"], 60_000);
    expect(done.status).toBe("succeeded");
    await expect
      .poll(() => page.getByTestId("health-flow").textContent(), { timeout: 15_000 })
      .not.toMatch(/paused/);
  });

  it("logged no console error and threw no uncaught exception", () => {
    expect(errors).toEqual([]);
  });
});
