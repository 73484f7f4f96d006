import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

/** Flags for Chromium on a closed network, as root (see the machine notes). */
export const CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];
export const CHROMIUM = "/usr/bin/chromium";

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
}

export const tmpProfile = () => mkdtempSync(join(tmpdir(), "tabsafe-chromium-"));

/** Counts the page's status polls (requests that reach the network) and collects its errors. */
export function watch(page: Page): { polls: () => number; errors: string[] } {
  let polls = 0;
  const errors: string[] = [];
  page.on("request", (r) => {
    if (r.url().includes("/api/analysis/status")) polls++;
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    // A fetch refused while the context is offline is the browser reporting our own test's cut.
    if (m.type() === "error" && !/ERR_INTERNET_DISCONNECTED|Failed to fetch/.test(m.text())) errors.push(m.text());
  });
  return { polls: () => polls, errors };
}

/** The job view's state, read from its data attributes and progress bar. */
export async function jobState(page: Page): Promise<{ id: string | null; status: string | null; progress: number }> {
  return page.evaluate(() => {
    const el = document.querySelector('[data-testid="job"]');
    const bar = document.querySelector('[role="progressbar"]');
    return { id: el?.getAttribute("data-job-id") ?? null, status: el?.getAttribute("data-status") ?? null, progress: Number(bar?.getAttribute("aria-valuenow") ?? 0) };
  });
}
