import { Client } from "@upstash/qstash";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "./browser.ts";
import { E2E_OPS_TOKEN, startE2EApp, type E2EApp } from "./harness.ts";

/**
 * The maintenance schedule as a production build runs it: `next start` runs instrumentation.ts,
 * which creates the schedule in the QStash stand-in with nobody doing anything; a tick QStash
 * delivers shows on /ops → Health → Maintenance in Chromium.
 */
let app: E2EApp;
let browser: Browser;
const sdk = () => new Client({ baseUrl: app.qstash.url, token: app.env.QSTASH_TOKEN });

beforeAll(async () => {
  app = await startE2EApp({ env: { OPS_SCHEDULE: "on" } });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

async function healthPage(): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${app.url}/ops`);
  await page.getByTestId("ops-token").fill(E2E_OPS_TOKEN);
  await page.getByTestId("ops-signin-submit").click();
  await page.getByTestId("health-schedule").waitFor();
  return page;
}

describe("the maintenance schedule under next start", () => {
  it("is created at server start, every minute, to the app's tick route", async () => {
    await expect
      .poll(
        () =>
          sdk()
            .schedules.get("tabsafe-maintenance")
            .catch(() => null),
        {
          timeout: 15_000,
        },
      )
      .toMatchObject({ cron: "* * * * *", destination: `${app.url}/api/ops/tick` });
  });

  it("shows on /ops: a tick delivered by QStash is the last tick, with what it did", async () => {
    const { messageId } = await sdk().publishJSON({
      url: `${app.url}/api/ops/tick`,
      body: {},
      retries: 0,
    });
    await expect
      .poll(() => app.requests.count("/api/ops/tick"), { timeout: 15_000 })
      .toBeGreaterThan(0);
    const page = await healthPage();
    const row = page.getByTestId("health-schedule");
    await expect.poll(() => row.textContent(), { timeout: 15_000 }).toMatch(/ticking/);
    expect(await row.textContent()).toMatch(
      /every minute \(tabsafe-maintenance\) · last tick .+: 0 revived, 0 failed, DLQ 0/,
    );
    const logs = await sdk().logs({ messageIds: [messageId] });
    expect(logs.logs.some((l) => l.state === "DELIVERED")).toBe(true);
    await page.context().close();
  });
});
