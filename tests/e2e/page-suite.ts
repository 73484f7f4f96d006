import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll } from "vitest";
import { eventually } from "../helpers/eventually.ts";
import { jobState, launchBrowser, newVisitor, type ErrorLog } from "./browser.ts";
import { FAST_MS_PER_TOKEN, startE2EApp, type E2EApp } from "./harness.ts";

export type PageSuite = {
  /** Set in beforeAll: the e2e app (production build on the local stack). */
  app: E2EApp;
  /** Console errors and uncaught exceptions of every page the suite opened. */
  errors: ErrorLog;
  /** A new visitor (browser context: its own session cookie and localStorage), closed after the test. */
  visitor(): Promise<BrowserContext>;
};

/**
 * The hooks of a Playwright e2e file: the app and one Chromium for the whole file; after each
 * test its visitors are closed and the simulator is fast again.
 */
export function usePageSuite(): PageSuite {
  let browser: Browser;
  const visitors: BrowserContext[] = [];
  const suite: PageSuite = {
    app: undefined as unknown as E2EApp,
    errors: [],
    async visitor() {
      const context = await newVisitor(browser);
      visitors.push(context);
      return context;
    },
  };
  beforeAll(async () => {
    suite.app = await startE2EApp();
    browser = await launchBrowser();
  });
  afterEach(async () => {
    for (const v of visitors.splice(0)) await v.close();
    suite.app.openai.setKnobs({ latencyMsPerToken: FAST_MS_PER_TOKEN });
  });
  afterAll(async () => {
    await browser?.close();
    await suite.app?.stop();
  });
  return suite;
}

/** Returns the id of the job the page shows once it is queued or running (after a click on Start). */
export async function startedJob(page: Page): Promise<string> {
  const { id } = await eventually(async () => {
    const state = await jobState(page);
    return state.id && (state.status === "queued" || state.status === "running") ? state : null;
  });
  return id!;
}
