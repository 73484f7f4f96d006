import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { INSTRUMENT, READ_JOB, READ_RECORDED, type JobState, type Recorded } from "./instrument.ts";

/** Debian's Chromium; no browser downloads on this machine. */
export const CHROMIUM = "/usr/bin/chromium";
/** Flags for Chromium as root on a closed network, quiet (no background requests of its own). */
export const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** A fresh, throwaway Chromium profile directory. */
export const tmpProfile = () => mkdtempSync(join(tmpdir(), "tabsafe-chromium-"));

/** Playwright's Chromium (it makes its own fresh profile). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
}

/** Console errors and uncaught exceptions of every page opened with `openTab`, labelled by page. */
export type ErrorLog = string[];

/**
 * A new browser context is a new visitor (own cookie, own localStorage); its tabs share both.
 * Every page in it runs the recorder of instrument.ts before the app's code.
 */
export async function newVisitor(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext();
  await context.addInitScript({ content: INSTRUMENT });
  return context;
}

/** Opens the app in a new tab of `context`, waits until React has hydrated it, and collects its errors into `errors`. */
export async function openTab(
  context: BrowserContext,
  url: string,
  errors: ErrorLog,
): Promise<Page> {
  const page = await context.newPage();
  const label = `tab ${context.pages().length}`;
  page.on("pageerror", (e) => errors.push(`${label} pageerror: ${e.message}`));
  page.on(
    "console",
    (m) =>
      void (
        m.type() === "error" &&
        errors.push(`${label} console.error: ${m.text()} (${m.location().url})`)
      ),
  );
  await page.goto(url);
  await hydrated(page);
  return page;
}

/**
 * Resolves once React has hydrated the page, so a click is handled rather than lost: React sets
 * its `__reactProps$…` expando on a DOM node when it takes the node over.
 */
export async function hydrated(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const button = document.querySelector('[data-testid="start"], [data-testid="cancel"]');
    return !!button && Object.keys(button).some((k) => k.startsWith("__reactProps"));
  });
}

/** Picks a listing by its title (an option of the listings' listbox) and an analysis type, as a person would. */
export async function choose(page: Page, title: string, analysisType: string): Promise<void> {
  const listings = page.getByRole("listbox", { name: "Business listings" });
  await listings.getByRole("option", { name: title }).click();
  await listings.getByRole("option", { name: title, selected: true }).waitFor();
  await page.getByTestId("analysis-type").selectOption(analysisType);
}

export const jobState = (page: Page): Promise<JobState> => page.evaluate(READ_JOB);
export const recorded = (page: Page): Promise<Recorded> => page.evaluate(READ_RECORDED);

/** Waits until the job view shows `status`. */
export const jobStatus = (page: Page, status: string, timeout = 60_000) =>
  page.locator(`[data-testid="job"][data-status="${status}"]`).waitFor({ timeout });
