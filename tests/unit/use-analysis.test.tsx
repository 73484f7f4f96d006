// @vitest-environment jsdom
import { act, cleanup, renderHook } from "@testing-library/react";
import { http, HttpResponse } from "msw";
import { setupServer } from "msw/node";
import type { ReactNode } from "react";
import { SWRConfig } from "swr";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { rememberJob } from "@/hooks/analysis/storage";
import { useAnalysis } from "@/hooks/useAnalysis";

/** A fake status endpoint: the job it reports can be changed mid-test; every request is logged. */
let job: Record<string, unknown>;
let version = 1;
let failNetwork = false;
const requests: Array<{ at: number; url: string }> = [];
const base = "http://localhost:3000";

const server = setupServer(
  http.post(`${base}/api/analysis/start`, () =>
    HttpResponse.json(
      { job: { ...job, status: "queued" }, deduplicated: false, nextPollMs: 1000 },
      { status: 202 },
    ),
  ),
  http.post(`${base}/api/analysis/cancel`, () => {
    job = { ...job, status: "canceled" };
    version++;
    return HttpResponse.json({ canceled: true, status: "canceled" }, { status: 202 });
  }),
  http.get(`${base}/api/analysis/status`, ({ request }) => {
    const url = new URL(request.url);
    requests.push({ at: Date.now(), url: url.search });
    if (failNetwork) return HttpResponse.error();
    const id = url.searchParams.get("jobId");
    if (id && id !== job.id)
      return HttpResponse.json(
        { error: { code: "not_found:job", message: "gone" } },
        { status: 404 },
      );
    const etag = `"${job.id}.${version}"`;
    const ended = ["succeeded", "failed", "canceled"].includes(String(job.status));
    const headers = { etag, "x-next-poll-ms": ended ? "0" : "500" };
    if (request.headers.get("if-none-match") === etag)
      return new HttpResponse(null, { status: 304, headers });
    return HttpResponse.json({ job, nextPollMs: ended ? 0 : 500 }, { headers });
  }),
);

let nodeFetch: typeof fetch;
beforeAll(() => {
  server.listen({ onUnhandledFrame: "error" });
  // Node's fetch (patched by msw above) needs absolute URLs: resolve the app's relative ones as a browser would.
  nodeFetch = globalThis.fetch;
  globalThis.fetch = ((input: RequestInfo | URL, init?: RequestInit) =>
    nodeFetch(typeof input === "string" ? new URL(input, base) : input, init)) as typeof fetch;
});
afterAll(() => {
  globalThis.fetch = nodeFetch;
  server.close();
});
beforeEach(() => {
  vi.spyOn(Math, "random").mockReturnValue(0.5); // no jitter: schedules are exact
  vi.useFakeTimers({
    shouldAdvanceTime: false,
    toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"],
  });
  job = {
    id: "job_aaaaaaaaaaaa",
    listingId: "lst_harbor-coffee",
    analysisType: "risk_assessment",
    params: {},
    status: "running",
    progress: 10,
    step: { name: "analyze:0", index: 2, total: 5, label: "analyzing chunk 1 of 1" },
    partialOutput: "",
    result: null,
    error: null,
    attempt: 1,
    createdAt: Date.now(),
    updatedAt: Date.now(),
    startedAt: Date.now(),
    finishedAt: null,
    cancelRequested: false,
    etaMs: null,
    usage: { inputTokens: 0, outputTokens: 0 },
    version: 1,
  };
  version = 1;
  failNetwork = false;
  requests.length = 0;
  localStorage.clear();
  setVisibility("visible");
  setOnline(true);
});
afterEach(() => {
  cleanup(); // unmount every hook: no test may hear another's polls
  server.resetHandlers(); // drop handlers a test added with server.use
  vi.useRealTimers();
  vi.restoreAllMocks();
  document.title = "tabsafe";
});

// Each test gets its own SWR cache.
const wrapper = ({ children }: { children: ReactNode }) => (
  <SWRConfig value={{ provider: () => new Map() }}>{children}</SWRConfig>
);
const advance = (ms: number) => act(() => vi.advanceTimersByTimeAsync(ms));

function setVisibility(state: "visible" | "hidden") {
  Object.defineProperty(document, "visibilityState", { value: state, configurable: true });
  Object.defineProperty(document, "hidden", { value: state === "hidden", configurable: true });
  document.dispatchEvent(new Event("visibilitychange"));
}
function setOnline(online: boolean) {
  Object.defineProperty(navigator, "onLine", { value: online, configurable: true });
  window.dispatchEvent(new Event(online ? "online" : "offline"));
}
async function started() {
  const hook = renderHook(() => useAnalysis(), { wrapper });
  await act(() => hook.result.current.start("lst_harbor-coffee", "risk_assessment"));
  await advance(50);
  return hook;
}

describe("useAnalysis", () => {
  it("backs off from 0.5 s toward 10 s while the job does not move, and stops when it ends", async () => {
    const hook = await started();
    expect(hook.result.current.job?.id).toBe(job.id);
    await advance(40_000);
    const gaps = requests.slice(1).map((r, i) => r.at - requests[i].at);
    expect(gaps.length).toBeGreaterThanOrEqual(5);
    expect(gaps.length).toBeLessThanOrEqual(10);
    expect(Math.max(...gaps)).toBeGreaterThan(8_000);
    expect(gaps.slice(0, 3).every((g, i) => i === 0 || g >= gaps[i - 1])).toBe(true);
    job = { ...job, status: "succeeded", progress: 100, result: { overallRisk: "low" } };
    version++;
    await advance(11_000);
    expect(hook.result.current.job?.status).toBe("succeeded");
    expect(hook.result.current.isDone).toBe(true);
    const count = requests.length;
    await advance(60_000);
    expect(requests.length).toBe(count);
  });

  it("resets to fast polling when progress moves", async () => {
    await started();
    await advance(25_000); // backed off to ~10 s between polls
    job = { ...job, progress: 40 };
    version++;
    const before = requests.length;
    for (let waited = 0; requests.length === before && waited < 12_000; waited += 250)
      await advance(250);
    expect(requests.length).toBe(before + 1); // the slow poll saw the change...
    await advance(1_000);
    expect(requests.length).toBe(before + 2); // ...and the next one came within a second
  });

  it("makes no polls while hidden beyond one slow one, and refreshes at once when visible again", async () => {
    const hook = await started();
    setVisibility("hidden");
    const before = requests.length;
    await advance(300_000);
    expect(requests.length - before).toBeLessThanOrEqual(1);
    const hiddenCount = requests.length;
    await act(async () => setVisibility("visible"));
    await advance(100);
    expect(requests.length).toBeGreaterThan(hiddenCount);
    expect(hook.result.current.job?.status).toBe("running");
  });

  it("shows the result in the title when the job finishes while the tab is hidden", async () => {
    job = { ...job, etaMs: 4_000 };
    await started();
    setVisibility("hidden");
    job = { ...job, status: "succeeded", progress: 100, result: {} };
    version++;
    await advance(50_000);
    expect(document.title).toBe("tabsafe"); // no poll in a hidden tab's first minute
    await advance(11_000); // the one hidden poll, at a minute
    expect(document.title).toMatch(/^✓ Analysis ready/);
    await act(async () => setVisibility("visible"));
    expect(document.title).toBe("tabsafe");
  });

  it("sends no requests while offline, says so, and resumes when back online", async () => {
    const hook = await started();
    await act(async () => setOnline(false));
    expect(hook.result.current.isOffline).toBe(true);
    const before = requests.length;
    await advance(60_000);
    expect(requests.length).toBe(before);
    await act(async () => setOnline(true));
    await advance(100);
    expect(hook.result.current.isOffline).toBe(false);
    expect(requests.length).toBeGreaterThan(before);
  });

  it("backs off on network errors and never turns a running job into a failed one", async () => {
    const hook = await started();
    failNetwork = true;
    await advance(60_000);
    expect(hook.result.current.job?.status).toBe("running");
    expect(hook.result.current.error).not.toBeNull();
    const attempts = requests.length;
    expect(attempts).toBeLessThan(15);
    failNetwork = false;
    await advance(40_000);
    expect(hook.result.current.error).toBeNull();
  });

  it("reattaches after a refresh, cleaning a stale remembered id and falling back to the server's lookup", async () => {
    rememberJob(
      { input: { listingId: "lst_harbor-coffee" }, analysisType: "risk_assessment" },
      "job_stale_12345",
    );
    const hook = renderHook(
      () =>
        useAnalysis({ input: { listingId: "lst_harbor-coffee" }, analysisType: "risk_assessment" }),
      { wrapper },
    );
    await advance(100);
    expect(hook.result.current.job).toBeNull(); // the stale id answered 404: forgotten, not an error
    expect(hook.result.current.error).toBeNull();
    await act(() => hook.result.current.attach("lst_harbor-coffee", "risk_assessment"));
    await advance(100);
    expect(hook.result.current.job?.id).toBe(job.id);
    expect(
      requests.some((r) =>
        r.url.includes(
          `input=${encodeURIComponent(JSON.stringify({ listingId: "lst_harbor-coffee" }))}`,
        ),
      ),
    ).toBe(true);
  });

  it("reports a rate-limited start with the server's message, and starts nothing", async () => {
    server.use(
      http.post(`${base}/api/analysis/start`, () =>
        HttpResponse.json(
          {
            error: {
              code: "rate_limited:start",
              message:
                "You have started 10 analyses in the last 60 s, the most we allow. Try again in 42 s.",
            },
          },
          { status: 429, headers: { "retry-after": "42" } },
        ),
      ),
    );
    const hook = renderHook(() => useAnalysis(), { wrapper });
    await act(() => hook.result.current.start("lst_harbor-coffee", "risk_assessment"));
    await advance(2_000);
    expect(hook.result.current.error).toMatchObject({
      code: "rate_limited:start",
      status: 429,
      message: expect.stringContaining("Try again in 42 s"),
    });
    expect(hook.result.current.job).toBeNull();
    expect(requests).toHaveLength(0);
  });

  it("retries a failed job in place (same id, its steps kept) through the retry route", async () => {
    let retried: unknown = null;
    server.use(
      http.post(`${base}/api/analysis/retry`, async ({ request }) => {
        retried = await request.json();
        job = { ...job, status: "queued", error: null, retries: 1 };
        version++;
        return HttpResponse.json({ job, nextPollMs: 500 }, { status: 202 });
      }),
    );
    const hook = await started();
    job = {
      ...job,
      status: "failed",
      error: {
        code: "openai_bad_request",
        category: "AI_PROVIDER",
        message: "rejected",
        retryable: false,
      },
    };
    version++;
    await advance(1_000);
    expect(hook.result.current.job?.status).toBe("failed");
    await act(() => hook.result.current.retry());
    expect(retried).toEqual({ jobId: job.id });
    expect(hook.result.current.job).toMatchObject({ id: job.id, status: "queued" });
  });

  it("cancels, and stops polling after unmount", async () => {
    const hook = await started();
    await act(() => hook.result.current.cancel());
    await advance(100);
    expect(hook.result.current.job?.status).toBe("canceled");
    hook.unmount();
    const count = requests.length;
    await advance(60_000);
    expect(requests.length).toBe(count);
  });
});
