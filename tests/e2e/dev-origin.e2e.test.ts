import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { choose, jobStatus, launchBrowser, newVisitor, openTab, type ErrorLog } from "./browser.ts";
import { devPorts, startDevStack, type DevStack } from "./dev-stack.ts";

/**
 * `npm run dev` opened by address instead of `localhost`. Next 16 refuses its dev resources (HMR
 * websocket, dev chunks) to origins it does not know, and such a page renders but never hydrates;
 * next.config's allowedDevOrigins (dev/dev-origins.ts) lists every name of this machine. The real
 * entry, `node dev/start.ts`, runs on free ports with a scratch redis-server data dir.
 */
const dataDir = mkdtempSync(join(tmpdir(), "tabsafe-dev-origin-"));
let stack: DevStack;
let browser: Browser;

beforeAll(async () => {
  stack = startDevStack({
    ports: await devPorts(),
    dataDir,
    env: { OPENAI_SIM_LATENCY_MS_PER_TOKEN: "2" },
  });
  await stack.ready();
  // next dev compiles the page on its first request; a browser waiting on that would time out.
  await fetch(`${stack.url}/`).then((r) => r.text());
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** What a page asked of next dev that next dev refused: 403 answers and broken websockets. */
function watchDevResources(page: Page) {
  const refused: string[] = [];
  const sockets: Array<{ url: string; frames: number; error: string | null }> = [];
  page.on(
    "response",
    (r) => void (r.status() === 403 && refused.push(`${r.status()} ${new URL(r.url()).pathname}`)),
  );
  page.on("websocket", (ws) => {
    const socket = { url: ws.url(), frames: 0, error: null as string | null };
    sockets.push(socket);
    ws.on("framereceived", () => void socket.frames++);
    ws.on("socketerror", (e) => void (socket.error = String(e)));
  });
  return { refused, sockets };
}

describe("npm run dev from any origin", () => {
  it("hydrates at http://127.0.0.1:PORT, keeps its HMR websocket and runs an analysis to the end", async () => {
    expect(stack.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const errors: ErrorLog = [];
    const visitor = await newVisitor(browser);
    const watched: ReturnType<typeof watchDevResources>[] = [];
    visitor.on("page", (p) => void watched.push(watchDevResources(p)));

    // openTab waits until React owns the Start button: what a page refused dev resources never gets to.
    const page = await openTab(visitor, stack.url, errors).catch((error: unknown) => {
      const blocked = stack
        .output()
        .split("\n")
        .filter((l) => l.includes("Blocked cross-origin"));
      throw new Error(
        `the page did not hydrate (${error instanceof Error ? error.message.split("\n")[0] : error}); refused: ${JSON.stringify(watched[0]?.refused)}; next dev: ${blocked.join(" | ")}`,
      );
    });
    await choose(page, "Harbor Street Coffee Roasters", "risk_assessment");
    await page.getByTestId("start").click();
    await jobStatus(page, "succeeded", 60_000);

    const [{ refused, sockets }] = watched;
    expect(refused).toEqual([]);
    const hmr = sockets.filter((s) => new URL(s.url).pathname.startsWith("/_next/"));
    expect(hmr.length, `websockets: ${JSON.stringify(sockets)}`).toBeGreaterThan(0);
    expect(hmr.filter((s) => s.error)).toEqual([]);
    expect(hmr.some((s) => s.frames > 0)).toBe(true); // next dev talked back over it
    expect(errors.filter((e) => /websocket|hmr|cross-origin|_next|403/i.test(e))).toEqual([]);
    expect(errors).toEqual([]);
    expect(stack.output()).not.toContain("Blocked cross-origin request");
    await visitor.close();
  });
});
