import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.ts";
import type { ErrorLog } from "../e2e/browser.ts";
import { launchCdpChromium, type CdpChromium } from "../e2e/cdp.ts";
import { startE2EApp, type E2EApp } from "../e2e/harness.ts";
import { openPersonTab, type PersonTab } from "../e2e/person.ts";
import { report, type Row } from "./report.ts";

/**
 * `npm run bench`, browser half: what a person's browser costs and shows, in Debian's Chromium
 * against the production build, driven over the DevTools protocol so that tabs are really
 * visible or hidden (Playwright keeps every page "visible"). Times are the page's own clock
 * against the server's (one machine): when the page first showed a state, when Redis ended it.
 */
let app: E2EApp;
const browsers: CdpChromium[] = [];
const errors: ErrorLog = [];
const row = (r: Row) => report("browser (Chromium, real tabs, against the production build)", r);
let redis: Redis;

beforeAll(async () => {
  app = await startE2EApp();
  redis = new Redis({
    url: app.env.UPSTASH_REDIS_REST_URL,
    token: app.env.UPSTASH_REDIS_REST_TOKEN,
    automaticDeserialization: false,
    enableTelemetry: false,
  });
});
afterAll(async () => {
  for (const b of browsers) await b.close();
  await app?.stop();
});

/** Closes the browser opened last (one person's, once measured). */
async function closeLast(): Promise<void> {
  await browsers.pop()?.close();
}

async function browser(): Promise<CdpChromium> {
  const b = await launchCdpChromium();
  browsers.push(b);
  return b;
}

const pct = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[
    Math.min(values.length - 1, Math.floor((p / 100) * values.length))
  ];
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const hash = async (id: string) => {
  const flat = (await redis.hgetall(`${app.env.REDIS_KEY_PREFIX}job:${id}`)) as unknown as string[];
  return Object.fromEntries(
    Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]]),
  );
};
/** When the page first showed `status`, in its clock. */
const shownAt = async (tab: PersonTab, status: string, timeoutMs = 180_000) =>
  eventually(
    async () => (await tab.recorded()).statuses.find((x) => x.status === status)?.at ?? null,
    { timeoutMs, intervalMs: 100 },
  );

async function startIn(tab: PersonTab, listing: string, type: string): Promise<string> {
  await tab.pick(listing, type);
  await tab.click("start");
  return eventually(async () => (await tab.job()).id, { timeoutMs: 20_000 });
}

it("status requests per ~100 s job, with one tab and with three tabs open (two of them hidden)", async () => {
  app.openai.setKnobs({ latencyMsPerToken: 220 }); // ~100 s for the long listing
  const [a, b] = [await browser(), await browser()];
  const one = await openPersonTab(a, app.url, errors, "one");
  const first = await openPersonTab(b, app.url, errors, "three:1");
  await Promise.all([
    startIn(one, "Northwind Family Bakery", "business_analysis"),
    startIn(first, "Northwind Family Bakery", "business_analysis"),
  ]);
  const others = [
    await openPersonTab(b, app.url, errors, "three:2"),
    await openPersonTab(b, app.url, errors, "three:3"),
  ];
  await b.activate(first); // the person looks at the first tab; the other two are behind it
  const [idOne, idThree] = [(await one.job()).id!, (await first.job()).id!];
  await Promise.all([shownAt(one, "succeeded"), shownAt(first, "succeeded")]);
  const took = async (id: string) => {
    const h = await hash(id);
    return `${((Number(h.finishedAt) - Number(h.startedAt)) / 1000).toFixed(0)} s job`;
  };
  const polls = async (tabs: PersonTab[]) =>
    (await Promise.all(tabs.map((t) => t.recorded()))).reduce((n, r) => n + r.polls.length, 0);
  row([
    `status requests per job, 1 tab (${await took(idOne)})`,
    String(await polls([one])),
    "≤ 15",
  ]);
  row([
    `status requests per job, 3 tabs, 1 in front (${await took(idThree)}; each tab's first read included)`,
    String(await polls([first, ...others])),
    "≤ 15",
  ]);
});

/**
 * Completion → shown, over `n` jobs of ~15 s. `speedUpAtSynthesis`: when the job reaches its
 * synthesis, the simulator gets faster, so the ETA the page was given (from the job's pace so
 * far) runs high; how high is measured and reported.
 */
async function completionLags(
  n: number,
  speedUpAtSynthesis: number | null,
): Promise<{ lags: number[]; ratios: number[] }> {
  const lags: number[] = [];
  const ratios: number[] = [];
  const types = ["business_analysis", "market_intelligence", "risk_assessment"];
  for (let i = 0; i < n; i++) {
    app.openai.setKnobs({ latencyMsPerToken: 25 });
    // A new person each time (a fresh profile: no job of an earlier round to reattach to).
    const b = await browser();
    const tab = await openPersonTab(b, app.url, errors, `completion ${i}`);
    const id = await startIn(tab, "Northwind Family Bakery", types[i % 3]);
    if (speedUpAtSynthesis !== null) {
      const at = await eventually(
        async () => {
          const h = await hash(id);
          return h.step && JSON.parse(h.step).name === "synthesize" ? h : null;
        },
        { timeoutMs: 60_000, intervalMs: 25 },
      );
      app.openai.setKnobs({ latencyMsPerToken: 25 * speedUpAtSynthesis });
      const since = Date.now();
      const eta = Number(at.etaMs);
      const end = await eventually(async () => Number((await hash(id)).finishedAt) || null, {
        timeoutMs: 60_000,
        intervalMs: 50,
      });
      if (eta > 0) ratios.push(eta / Math.max(1, end - since + (since - Number(at.updatedAt))));
    }
    const shown = await shownAt(tab, "succeeded");
    lags.push(shown - Number((await hash(id)).finishedAt));
    await closeLast();
  }
  app.openai.setKnobs({ latencyMsPerToken: 2 });
  return { lags, ratios };
}

it("completion → shown in the tab that is looking, when the estimate is right and when it runs high", async () => {
  const right = await completionLags(8, 1);
  const rightMean = right.ratios.reduce((a, b) => a + b, 0) / Math.max(1, right.ratios.length);
  row([
    `completion → visible p50 / p95 (estimate at the synthesis ${Math.round((rightMean - 1) * 100)} % off)`,
    `${s(pct(right.lags, 50))} / ${s(pct(right.lags, 95))}`,
    "p95 ≤ 1.5 s",
  ]);
  const high = await completionLags(8, 0.55);
  const mean = high.ratios.reduce((a, b) => a + b, 0) / Math.max(1, high.ratios.length);
  row([
    `completion → visible p50 / p95 (estimate at the synthesis ${Math.round((mean - 1) * 100)} % off: the synthesis sped up)`,
    `${s(pct(high.lags, 50))} / ${s(pct(high.lags, 95))}`,
    "p95 ≤ 1.5 s",
  ]);
  expect([...right.lags, ...high.lags].every((l) => l >= 0)).toBe(true);
});

it("cancel: the click → “Canceling…” → Canceled shown, against when the server stopped the job", async () => {
  const [clickToCanceling, clickToShown, stopToShown]: number[][] = [[], [], []];
  for (let i = 0; i < 8; i++) {
    app.openai.setKnobs({ latencyMsPerToken: 20 });
    const b = await browser();
    const tab = await openPersonTab(b, app.url, errors, `cancel ${i}`);
    const id = await startIn(tab, "Northwind Family Bakery", "business_analysis");
    await eventually(async () => ((await tab.job()).progress ?? 0) > 5, {
      timeoutMs: 30_000,
      intervalMs: 50,
    });
    const clicked = await tab.click("cancel");
    const canceling = await eventually(
      async () => (await tab.recorded()).statuses.find((x) => x.text === "Canceling…")?.at ?? null,
      { timeoutMs: 5_000, intervalMs: 20 },
    );
    const shown = await shownAt(tab, "canceled", 30_000);
    const stopped = Number((await hash(id)).finishedAt);
    clickToCanceling.push(canceling - clicked);
    clickToShown.push(shown - clicked);
    stopToShown.push(shown - stopped);
    await closeLast();
  }
  app.openai.setKnobs({ latencyMsPerToken: 2 });
  row([
    "cancel click → “Canceling…” shown p50 / p95",
    `${s(pct(clickToCanceling, 50))} / ${s(pct(clickToCanceling, 95))}`,
    "at once",
  ]);
  row([
    "cancel click → Canceled shown p50 / p95",
    `${s(pct(clickToShown, 50))} / ${s(pct(clickToShown, 95))}`,
    "—",
  ]);
  row([
    "server stopped the job → Canceled shown p50 / p95",
    `${s(pct(stopToShown, 50))} / ${s(pct(stopToShown, 95))}`,
    "≤ 1 s",
  ]);
  expect(errors).toEqual([]);
});
