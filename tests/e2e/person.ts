import { eventually } from "../helpers/eventually.ts";
import type { ErrorLog } from "./browser.ts";
import { collectErrors, type CdpChromium, type CdpTab } from "./cdp.ts";
import { INSTRUMENT, READ_JOB, READ_RECORDED, type JobState, type Recorded } from "./instrument.ts";

/**
 * A person's real tab, over the DevTools protocol (cdp.ts): visible when in front, really hidden
 * behind another one. What they do on the analysis page — pick a listing, start, cancel — as DOM
 * actions in one place, so the page's markup is known here alone.
 */
export type PersonTab = CdpTab & {
  job(): Promise<JobState>;
  recorded(): Promise<Recorded>;
  pick(listingTitle: string, analysisType: string): Promise<void>;
  click(testId: string): Promise<number>;
};

/** Opens the app in a new (front) tab, instrumented (instrument.ts), and waits until it has hydrated. */
export async function openPersonTab(
  chrome: CdpChromium,
  url: string,
  errors: ErrorLog,
  label = "tab",
): Promise<PersonTab> {
  const tab = await chrome.newTab();
  await collectErrors(tab, label, errors);
  await tab.send("Page.enable");
  await tab.send("Page.addScriptToEvaluateOnNewDocument", { source: INSTRUMENT });
  await tab.send("Page.navigate", { url });
  await eventually(
    () =>
      tab.evaluate<boolean>(`(() => {
      const button = document.querySelector('[data-testid="start"], [data-testid="cancel"]');
      return !!button && Object.keys(button).some((k) => k.startsWith("__reactProps"));
    })()`),
    { timeoutMs: 20_000 },
  );
  return Object.assign(tab, {
    job: () => tab.evaluate<JobState>(READ_JOB),
    recorded: () => tab.evaluate<Recorded>(READ_RECORDED),
    async pick(listingTitle: string, analysisType: string) {
      await tab.evaluate(`(() => {
        const list = document.querySelector('[role="listbox"][aria-label="Business listings"]');
        const has = (el) => el.textContent.includes(${JSON.stringify(listingTitle)});
        [...list.querySelectorAll('[role="option"]')].find(has).click();
        const select = document.querySelector('[data-testid="analysis-type"]');
        const set = Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, "value").set;
        set.call(select, ${JSON.stringify(analysisType)});
        select.dispatchEvent(new Event("change", { bubbles: true }));
      })()`);
      await eventually(() =>
        tab.evaluate<boolean>(
          `document.querySelector('[data-testid="analysis-type"]').value === ${JSON.stringify(analysisType)} && !!document.querySelector('[role="option"][aria-selected="true"]')?.textContent.includes(${JSON.stringify(listingTitle)})`,
        ),
      );
    },
    /** Clicks the element with `testId` and returns when, in the page's clock (ms). */
    click: (testId: string) =>
      tab.evaluate<number>(`(() => {
        const el = document.querySelector('[data-testid="${testId}"]');
        if (!el) throw new Error("no ${testId} to click; the page shows: " + (document.querySelector('[data-testid="job"]')?.getAttribute("data-status") ?? "no job") + ", buttons: " + [...document.querySelectorAll("button")].map((b) => b.textContent).join(" | "));
        el.click();
        return Date.now();
      })()`),
  });
}
