import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitForStatus } from "../helpers/jobs.ts";
import { startDestination, type Destination } from "../helpers/qstash-destination.ts";
import { Visitor, type JobView } from "../helpers/visitor.ts";
import { launchBrowser, type ErrorLog } from "./browser.ts";
import { E2E_OPS_TOKEN, FAST_MS_PER_TOKEN, startE2EApp, type E2EApp } from "./harness.ts";

/**
 * The /ops dashboard in Chromium (Playwright) against `next build` + `next start` and the local
 * stack. Before the pages are opened, a visitor runs one analysis to success and one to a final
 * failure (the OpenAI simulator refuses its first request with a content-policy error, which is
 * not retried); the operator then finds both in the dashboard.
 */
let app: E2EApp;
let browser: Browser;
let operator: BrowserContext | null = null;
const errors: ErrorLog = [];
let succeeded: JobView;
let failed: JobView;
/** Stands in for a Slack incoming webhook: ALERT_WEBHOOK_URL. */
let receiver: Destination;

beforeAll(async () => {
  receiver = await startDestination();
  app = await startE2EApp({ env: { ALERT_WEBHOOK_URL: receiver.at("/hook") } });
  browser = await launchBrowser();
  const visitor = new Visitor(app.url);
  const { listings } = (await (await visitor.request("/api/listings")).json()) as {
    listings: Array<{ id: string }>;
  };
  const [first, second] = listings;

  const ok = await visitor.start({ listingId: first.id, analysisType: "risk_assessment" });
  succeeded = await waitForStatus(
    visitor,
    ok.body.job.id,
    ["succeeded", "failed", "canceled"],
    60_000,
  );

  app.openai.setKnobs({
    latencyMsPerToken: FAST_MS_PER_TOKEN,
    failNext: [{ kind: "content_filter", count: 1 }],
  });
  const bad = await visitor.start({ listingId: second.id, analysisType: "business_analysis" });
  failed = await waitForStatus(
    visitor,
    bad.body.job.id,
    ["succeeded", "failed", "canceled"],
    60_000,
  );
  app.openai.setKnobs({ latencyMsPerToken: FAST_MS_PER_TOKEN });
});
afterAll(async () => {
  await operator?.close();
  await browser?.close();
  await app?.stop();
  await receiver?.stop();
});

/** Records console errors and uncaught exceptions of `page` into `log`, labelled. */
function watch(page: Page, label: string, log: ErrorLog): void {
  page.on("pageerror", (e) => log.push(`${label} pageerror: ${e.message}`));
  page.on(
    "console",
    (m) => void (m.type() === "error" && log.push(`${label} console.error: ${m.text()}`)),
  );
}

/** Opens an /ops path and waits until React has hydrated the header (sign-in or sign-out button). */
async function open(context: BrowserContext, path: string, log: ErrorLog = errors): Promise<Page> {
  const page = await context.newPage();
  watch(page, path, log);
  await page.goto(`${app.url}${path}`);
  await page.waitForFunction(() => {
    const button = document.querySelector(
      '[data-testid="ops-signout"], [data-testid="ops-signin-submit"]',
    );
    return !!button && Object.keys(button).some((k) => k.startsWith("__reactProps"));
  });
  return page;
}

/** The operator's browser: signed in once through the form, as a person would. */
async function signedIn(): Promise<BrowserContext> {
  if (operator) return operator;
  const context = await browser.newContext();
  const page = await open(context, "/ops");
  await page.getByTestId("ops-token").fill(E2E_OPS_TOKEN);
  await page.getByTestId("ops-signin-submit").click();
  await page.getByTestId("ops-signout").waitFor();
  await page.close();
  operator = context;
  return context;
}

/** Marks a recharts chart actually drew in its plot (not its legend): bars, line curves or dots with geometry. */
const drawn = (page: Page, id: string) =>
  page
    .locator(`[data-testid="chart-${id}"] .recharts-wrapper > svg`)
    .evaluate(
      (svg) =>
        [
          ...svg.querySelectorAll(
            "path.recharts-rectangle, path.recharts-line-curve, circle.recharts-line-dot, circle.recharts-dot",
          ),
        ].filter((el) => el.tagName === "circle" || (el.getAttribute("d") ?? "").length > 4).length,
    );

describe("the ops dashboard", () => {
  it("ran the two analyses it inspects: one succeeded, one failed for good", () => {
    expect(succeeded.status).toBe("succeeded");
    expect(failed.status).toBe("failed");
    expect(failed.error?.retryable).toBe(false);
    expect(failed.attempt).toBe(1);
  });

  it("without the operator token shows only the sign-in form, answers 401 to the API, and refuses a wrong token", async () => {
    const expected: ErrorLog = [];
    const context = await browser.newContext();
    try {
      const page = await open(context, "/ops", expected);
      await page.getByTestId("ops-signin").waitFor();
      expect(await page.getByTestId("ops-overview").count()).toBe(0);
      expect(await page.getByTestId("ops-signout").count()).toBe(0);
      expect(await page.evaluate(() => fetch("/api/ops/overview").then((r) => r.status))).toBe(401);

      await page.getByTestId("ops-token").fill("not-the-token");
      await page.getByTestId("ops-signin-submit").click();
      await expect.poll(() => page.getByTestId("ops-signin-error").textContent()).toMatch(/token/i);
      expect(await page.getByTestId("ops-signout").count()).toBe(0);
      // The only errors are the browser's own reports of the two refused requests.
      expect(expected.length).toBeGreaterThan(0);
      for (const line of expected)
        expect(line).toMatch(/console\.error: Failed to load resource: .*401/);
    } finally {
      await context.close();
    }
  });

  it("signed in, the overview draws its three charts and counts the finished jobs", async () => {
    const page = await open(await signedIn(), "/ops?window=15");
    for (const id of ["throughput", "durations", "error-rate"]) {
      await page.getByTestId(`chart-${id}`).getByRole("heading").waitFor();
      await expect.poll(() => drawn(page, id), { timeout: 15_000 }).toBeGreaterThan(0);
    }
    await expect
      .poll(() => page.getByTestId("stat-succeeded-value").textContent(), { timeout: 15_000 })
      .toBe("1");
    await expect.poll(() => page.getByTestId("stat-failed-value").textContent()).toBe("1");
    expect(await page.getByTestId("by-type").textContent()).toContain("business analysis");
    await page.getByTestId("health-status").waitFor();
    await page.close();
  });

  it("the visitors panel counts the one visitor, its starts by hour, type and param value, and draws its chart", async () => {
    const page = await open(await signedIn(), "/ops?window=15");
    const panel = page.getByTestId("ops-visitors");
    const value = (id: string) => panel.getByTestId(`stat-${id}-value`).textContent();
    await expect.poll(() => value("dau"), { timeout: 15_000 }).toBe("1");
    expect([await value("wau"), await value("mau"), await value("returning-today")]).toEqual([
      "1",
      "1",
      "0",
    ]);
    await expect.poll(() => drawn(page, "visitor-days"), { timeout: 15_000 }).toBeGreaterThan(0);
    const usage = page.getByTestId("usage-by-type");
    expect(await usage.textContent()).toContain("risk assessment");
    expect(await usage.textContent()).toContain("riskTolerance: medium 1");
    expect(await usage.textContent()).toContain("perspective: buyer 1");

    // Peak hours: the two starts in the hour(s) they happened, the visitor in each hour it was active.
    const heat = page.getByTestId("peak-hours");
    const cellSum = () =>
      heat
        .locator("td[data-hour-of-week]")
        .evaluateAll((cells) => cells.reduce((n, c) => n + (Number(c.textContent) || 0), 0));
    expect(await heat.locator("td[data-hour-of-week]").count()).toBe(168);
    expect(await cellSum()).toBeGreaterThanOrEqual(1);
    await heat.getByRole("button", { name: "Starts" }).click();
    await expect.poll(cellSum).toBe(2);
    expect(await heat.getByTestId("peak-hours-busiest").textContent()).toMatch(
      /Busiest: (Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d\d:00/,
    );

    // Another span asks again: the visitor is still the one of today.
    await panel.getByRole("button", { name: "7 days" }).click();
    await expect
      .poll(() => panel.getByRole("button", { name: "7 days" }).getAttribute("aria-pressed"))
      .toBe("true");
    await expect.poll(() => value("dau")).toBe("1");
    await page.close();
  });

  it("colors each rate tile exactly as its alert rule judges it, and a content-policy failure leaves health healthy", async () => {
    const page = await open(await signedIn(), "/ops?window=15"); // the alert window: tiles and rules see the same jobs
    await page.getByTestId("health-status").waitFor({ timeout: 15_000 });
    await expect
      .poll(() => page.getByTestId("stat-failed-value").textContent(), { timeout: 15_000 })
      .toBe("1");
    for (const [tile, rule] of [
      ["success-rate", "success_rate"],
      ["error-rate", "error_rate"],
      ["api-response", "avg_response_time"],
    ]) {
      const red = (await page.getByTestId(`stat-${tile}-value`).getAttribute("class"))?.includes(
        "tone-text-bad",
      );
      const firing =
        (await page
          .locator(`[data-testid="alert"][data-rule="${rule}"]`)
          .getAttribute("data-state")) === "active";
      expect(red, tile).toBe(firing);
    }
    // The only failure was the listing's (content policy): no alert, not even the DLQ's, and healthy.
    expect(await page.locator('[data-testid="alert"][data-state="active"]').count()).toBe(0);
    expect(await page.getByTestId("health-status").textContent()).toBe("healthy");
    expect(await page.getByTestId("stat-failed-value").getAttribute("class")).not.toContain(
      "tone-text-bad",
    );
    await page.close();
  });

  for (const width of [1280, 390]) {
    it(`fits the error groups, per-type, token and usage tables at ${width} px, and the page does not scroll sideways`, async () => {
      const context = await signedIn();
      const fits = async (page: Page, table: string) => {
        await page.getByTestId(table).locator("tbody tr").first().waitFor({ timeout: 15_000 });
        const [scroll, client] = await page
          .getByTestId(table)
          .evaluate((el) => [el.parentElement!.scrollWidth, el.parentElement!.clientWidth]);
        expect(scroll, `${table} at ${width} px`).toBeLessThanOrEqual(client);
      };
      const pageFits = (page: Page) =>
        page.evaluate(
          () => document.documentElement.scrollWidth <= document.documentElement.clientWidth,
        );
      const overview = await context.newPage();
      await overview.setViewportSize({ width, height: 900 });
      await overview.goto(`${app.url}/ops?window=15`);
      await expect
        .poll(() => overview.getByTestId("tokens").locator("tbody tr td").count(), {
          timeout: 15_000,
        })
        .toBeGreaterThan(1);
      await overview.getByTestId("usage-by-type").waitFor({ timeout: 15_000 });
      for (const table of ["by-type", "tokens", "usage-by-type"]) await fits(overview, table);
      expect(await pageFits(overview)).toBe(true);
      await overview.close();

      const errorsPage = await context.newPage();
      await errorsPage.setViewportSize({ width, height: 900 });
      await errorsPage.goto(`${app.url}/ops/errors`);
      await errorsPage.getByTestId("error-group").first().waitFor({ timeout: 15_000 });
      await fits(errorsPage, "error-groups");
      expect(await pageFits(errorsPage)).toBe(true);
      await errorsPage.close();
    });
  }

  it("shows a group's message as a pattern with its placeholders drawn, never a literal <n>", async () => {
    const page = await open(await signedIn(), "/ops/errors");
    const group = page.getByTestId("error-group").filter({ hasText: failed.error!.code });
    await group.first().waitFor({ timeout: 15_000 });
    expect(await page.getByTestId("error-groups").textContent()).not.toMatch(
      /<(n|id|uuid|hex|text)>/,
    );
    // A content-policy refusal is the listing's doing, and says so.
    expect(await group.first().getByTestId("group-cause").textContent()).toBe(
      "caused by the listing",
    );
    await page.close();
  });

  it("lists the failure as an error group; its detail shows a sample of the failed job and can be marked resolved", async () => {
    const code = failed.error!.code;
    const page = await open(await signedIn(), "/ops/errors");
    const group = page.getByTestId("error-group").filter({ hasText: code });
    await group.first().waitFor({ timeout: 15_000 });

    await group.first().getByRole("link", { name: code, exact: true }).click();
    await page.waitForURL(/\/ops\/errors\/[^/]+$/);
    await page
      .locator(`[data-testid="error-sample"][data-job-id="${failed.id}"]`)
      .first()
      .waitFor({ timeout: 15_000 });
    expect(await page.getByTestId("group-status").textContent()).toBe("open");

    await page.getByTestId("resolve").click();
    await expect.poll(() => page.getByTestId("group-status").textContent()).toBe("resolved");
    expect(await page.getByTestId("resolve").count()).toBe(0);
    await page.close();
  });

  it("finds the failed job by status and by id; its detail shows the steps and the QStash message id", async () => {
    const page = await open(await signedIn(), "/ops/jobs");
    const row = (id: string) => page.locator(`[data-testid="job-row"][data-job-id="${id}"]`);
    await row(succeeded.id).waitFor({ timeout: 15_000 });
    await page.getByTestId("filter-job-status").selectOption("failed");
    await expect.poll(() => row(succeeded.id).count(), { timeout: 15_000 }).toBe(0);
    expect(await row(failed.id).textContent()).toContain(failed.error!.code);

    await page.getByTestId("job-search").fill(failed.id);
    await page.getByTestId("job-search-submit").click();
    await page.waitForURL(`**/ops/jobs/${failed.id}`);
    await page
      .locator('[data-testid="job-detail"][data-status="failed"]')
      .waitFor({ timeout: 15_000 });
    await expect.poll(() => page.getByTestId("job-step").count()).toBeGreaterThan(0);
    expect(await page.getByTestId("job-steps").textContent()).toContain("prepare");
    const messageId = (await page.getByTestId("job-message-id").textContent())?.trim() ?? "";
    expect(messageId).not.toMatch(/^(—|)$/);
    expect(await page.getByTestId("job-attempts").textContent()).toContain(messageId);
    expect(await page.getByTestId("job-error").textContent()).toContain(failed.error!.code);
    await page.close();
  });

  it("lists an alert that fires in the history, and its webhook column follows the delivery: retried after a 500, then delivered", async () => {
    receiver.on("/hook", (_req, nth) => ({ status: nth === 0 ? 500 : 200 }));
    const page = await open(await signedIn(), "/ops");
    const quiet = page.locator('[data-testid="alert-transition"]');
    await page.getByTestId("alert-history").waitFor();
    expect(await quiet.count()).toBe(0);
    // A request the provider rejects (not the listing's fault): the job's message is dead-lettered.
    app.openai.setKnobs({
      latencyMsPerToken: FAST_MS_PER_TOKEN,
      failNext: [{ kind: "400", count: 1 }],
    });
    const visitor = new Visitor(app.url);
    const { body } = await visitor.start({
      listingId: succeeded.subject,
      analysisType: "market_intelligence",
    });
    await waitForStatus(visitor, body.job.id, ["failed"], 60_000);
    app.openai.setKnobs({ latencyMsPerToken: FAST_MS_PER_TOKEN });

    // The page's own refresh (every 5 s) evaluates the rules and shows the transition.
    const row = page.locator(
      '[data-testid="alert-transition"][data-rule="dlq_not_empty"][data-state="active"]',
    );
    await expect
      .poll(() => row.getAttribute("data-delivery").catch(() => null), { timeout: 30_000 })
      .toBe("delivered");
    const cell = (await row.getByTestId("alert-delivery").textContent()) ?? "";
    expect(cell).toMatch(/^delivered ✓ .+ \(attempt 2\)$/);
    expect(await row.textContent()).toContain("Dead-letter queue");
    const got = receiver.received("/hook");
    expect(got).toHaveLength(2);
    expect(JSON.parse(got[1].body)).toMatchObject({
      rule: "dlq_not_empty",
      state: "fired",
      url: `${app.url}/ops`,
    });
    await page.close();
  });

  it("logged no console error and threw no uncaught exception on the signed-in ops pages", () => {
    expect(errors).toEqual([]);
  });
});
