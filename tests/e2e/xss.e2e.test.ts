import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.ts";
import { jobStatus, launchBrowser, newVisitor, openTab, type ErrorLog } from "./browser.ts";
import { E2E_OPS_TOKEN, startE2EApp, type E2EApp } from "./harness.ts";

/**
 * Markup in what a visitor pastes (and so in what the model streams back about it) is text, never
 * code: in the analysis page, its report and the operator's /ops pages. A payload that ran would
 * set window.__pwned or open a dialog.
 */
const PAYLOAD = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>"><svg onload=window.__pwned=3>`;
let app: E2EApp;
let browser: Browser;
const errors: ErrorLog = [];

beforeAll(async () => {
  app = await startE2EApp();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

async function unharmed(page: Page, dialogs: string[]): Promise<void> {
  expect(
    await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned),
  ).toBeUndefined();
  expect(dialogs).toEqual([]);
}

describe("markup a visitor pastes", () => {
  it("shows as text in the picker, the streamed output, the report and /ops, and never runs", async () => {
    const person = await newVisitor(browser);
    const page = await openTab(person, app.url, errors);
    const dialogs: string[] = [];
    page.on("dialog", (d) => void (dialogs.push(d.message()), d.dismiss()));
    const title = `Bakery ${PAYLOAD}`.slice(0, 120);
    const text = `A neighbourhood bakery with loyal customers. ${PAYLOAD} Rent is low and the lease is long. ${PAYLOAD}`;
    // Pasted through the page's own form, as a person would; the new listing is then selected.
    await page.getByText("Paste your own listing").click();
    await page.locator("#paste-title").fill(title);
    await page.locator("#paste-text").fill(text);
    await page.getByRole("button", { name: "Add listing" }).click();
    const picked = page
      .getByRole("listbox", { name: "Business listings" })
      .getByRole("option", { selected: true });
    await picked.filter({ hasText: "Bakery" }).waitFor();
    expect(await picked.textContent()).toContain("<script>");
    await page.getByTestId("analysis-type").selectOption("business_analysis");
    await page.getByTestId("start").click();
    await jobStatus(page, "succeeded");
    await unharmed(page, dialogs);
    const jobId = await page.getByTestId("job").getAttribute("data-job-id");

    const ops = await browser.newContext();
    const opsPage = await ops.newPage();
    opsPage.on("dialog", (d) => void (dialogs.push(d.message()), d.dismiss()));
    await opsPage.goto(`${app.url}/ops`);
    await opsPage.getByTestId("ops-token").fill(E2E_OPS_TOKEN);
    await opsPage.getByTestId("ops-signin-submit").click();
    await opsPage.getByTestId("ops-signout").waitFor();
    await opsPage.goto(`${app.url}/ops/jobs/${jobId}`);
    await eventually(async () => ((await opsPage.content()).includes(jobId!) ? true : null), {
      timeoutMs: 10_000,
    });
    await unharmed(opsPage, dialogs);
    await ops.close();
    await person.close();
  });
});
