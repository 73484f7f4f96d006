/**
 * A script every test page runs before the app's own code (Playwright's addInitScript, CDP's
 * Page.addScriptToEvaluateOnNewDocument). It records, per tab, into `window.__e2e`:
 *   polls       every fetch of /api/analysis/status the app makes, with whether the tab was
 *               hidden or offline at that moment (attempts: a fetch refused offline counts too)
 *   visibility  every visibilitychange
 *   progress    every distinct value the progress bar showed, in order
 *   steps       every distinct step label ("2/7 · analyzing chunk 1 of 3"), in order
 *   titles      every document.title, with whether the tab was hidden
 *   statuses    every status the job view showed (data-status), with when it first showed it
 * Plain JavaScript in a string: it runs in the browser, untouched by the test's TypeScript build.
 */
export const INSTRUMENT = `(() => {
  if (window.__e2e) return;
  const e2e = (window.__e2e = { polls: [], visibility: [], progress: [], steps: [], titles: [], statuses: [] });
  const realFetch = window.fetch;
  window.fetch = function (input, init) {
    const url = String(input instanceof Request ? input.url : input);
    if (url.includes("/api/analysis/status")) e2e.polls.push({ at: Date.now(), url, hidden: document.visibilityState === "hidden", online: navigator.onLine });
    return realFetch.apply(this, arguments);
  };
  document.addEventListener("visibilitychange", () => e2e.visibility.push({ at: Date.now(), state: document.visibilityState }));
  const sample = () => {
    const bar = document.querySelector('[role="progressbar"]');
    if (bar) {
      const value = Number(bar.getAttribute("aria-valuenow"));
      if (e2e.progress[e2e.progress.length - 1] !== value) e2e.progress.push(value);
    }
    const status = document.querySelector('[data-testid="job"]')?.getAttribute("data-status");
    const shown = document.querySelector('[data-testid="status"]')?.textContent;
    const last = e2e.statuses[e2e.statuses.length - 1];
    if (status && (last?.status !== status || last?.text !== shown)) e2e.statuses.push({ at: Date.now(), status, text: shown });
    const step = document.querySelector('[data-testid="step-label"]')?.textContent;
    if (step && e2e.steps[e2e.steps.length - 1] !== step) e2e.steps.push(step);
    if (document.title && e2e.titles[e2e.titles.length - 1]?.title !== document.title) {
      e2e.titles.push({ at: Date.now(), title: document.title, hidden: document.visibilityState === "hidden" });
    }
  };
  new MutationObserver(sample).observe(document, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ["aria-valuenow", "data-status"] });
})();`;

export type Recorded = {
  polls: Array<{ at: number; url: string; hidden: boolean; online: boolean }>;
  visibility: Array<{ at: number; state: DocumentVisibilityState }>;
  progress: number[];
  steps: string[];
  titles: Array<{ at: number; title: string; hidden: boolean }>;
  statuses: Array<{ at: number; status: string; text: string | null }>;
};

/** An expression that reads the recording back (for page.evaluate / Runtime.evaluate). */
export const READ_RECORDED = "JSON.parse(JSON.stringify(window.__e2e))";

/** An expression for the job view's state, from its data attributes and progress bar. */
export const READ_JOB = `(() => {
  const el = document.querySelector('[data-testid="job"]');
  const bar = el?.querySelector('[role="progressbar"]');
  return {
    id: el?.getAttribute("data-job-id") ?? null,
    status: el?.getAttribute("data-status") ?? null,
    progress: bar ? Number(bar.getAttribute("aria-valuenow")) : null,
    step: el?.querySelector('[data-testid="step-label"]')?.textContent ?? null,
    hasResult: !!el?.querySelector('[data-testid="result"]'),
  };
})()`;

export type JobState = {
  id: string | null;
  status: string | null;
  progress: number | null;
  step: string | null;
  hasResult: boolean;
};
