import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { freePort } from "../../dev/redis-rest/redis-server.ts";
import { CHROMIUM, CHROMIUM_FLAGS, tmpProfile, type ErrorLog } from "./browser.ts";
import { ownProcessGroup } from "./process-group.ts";

/**
 * Chromium driven over the raw DevTools protocol, for the one thing Playwright cannot do: really
 * hide a tab. Playwright keeps every page it controls "visible" (it emulates focus), but a plain
 * Chromium tab behind another one in the same window reports visibilityState "hidden" and gets
 * its visibilitychange events, as in a person's browser. Tabs are opened and brought to the front
 * through the DevTools HTTP endpoints (/json/new, /json/activate) and driven over their own
 * WebSocket (Node 24's global WebSocket).
 */
export type CdpTab = {
  id: string;
  send<T = unknown>(method: string, params?: object): Promise<T>;
  /** Evaluates `expression` in the page (promises awaited) and returns its value by JSON. */
  evaluate<T>(expression: string): Promise<T>;
  on(event: string, handler: (params: Record<string, unknown>) => void): void;
  close(): void;
};

export type CdpChromium = {
  newTab(url?: string): Promise<CdpTab>;
  /** Brings `tab` to the front; the tab that was in front becomes hidden. */
  activate(tab: CdpTab): Promise<void>;
  close(): Promise<void>;
};

export async function launchCdpChromium(): Promise<CdpChromium> {
  const port = await freePort();
  const profile = tmpProfile();
  const child = spawn(
    CHROMIUM,
    [
      "--headless=new",
      `--remote-debugging-port=${port}`,
      `--user-data-dir=${profile}`,
      ...CHROMIUM_FLAGS,
      "about:blank",
    ],
    { stdio: "ignore", detached: true },
  );
  const group = ownProcessGroup(child);
  const http = (path: string, method = "GET") =>
    fetch(`http://127.0.0.1:${port}${path}`, { method });
  const deadline = Date.now() + 15_000;
  while (
    !(await http("/json/version").then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (child.exitCode !== null || Date.now() > deadline) {
      group.kill("SIGKILL");
      throw new Error(`chromium did not open its DevTools port ${port}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const tabs: CdpTab[] = [];
  return {
    async newTab(url = "about:blank") {
      const res = await http(`/json/new?${encodeURI(url)}`, "PUT");
      if (!res.ok) throw new Error(`/json/new answered ${res.status}: ${await res.text()}`);
      const target = (await res.json()) as { id: string; webSocketDebuggerUrl: string };
      const tab = await connect(target.id, target.webSocketDebuggerUrl);
      tabs.push(tab);
      return tab;
    },
    async activate(tab) {
      const res = await http(`/json/activate/${tab.id}`);
      if (!res.ok) throw new Error(`/json/activate answered ${res.status}`);
    },
    async close() {
      for (const tab of tabs) tab.close();
      await group.stop();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

async function connect(id: string, url: string): Promise<CdpTab> {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error(`could not connect to tab ${id}`));
  });
  let seq = 0;
  const pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; method: string }
  >();
  const listeners = new Map<string, Array<(params: Record<string, unknown>) => void>>();
  ws.onmessage = (event) => {
    const msg = JSON.parse(String(event.data)) as {
      id?: number;
      method?: string;
      params?: Record<string, unknown>;
      result?: unknown;
      error?: { message: string };
    };
    if (msg.method)
      for (const handler of listeners.get(msg.method) ?? []) handler(msg.params ?? {});
    const waiter = msg.id === undefined ? undefined : pending.get(msg.id);
    if (!waiter) return;
    pending.delete(msg.id!);
    if (msg.error) waiter.reject(new Error(`${waiter.method}: ${msg.error.message}`));
    else waiter.resolve(msg.result);
  };
  ws.onclose = () => {
    for (const waiter of pending.values())
      waiter.reject(new Error(`${waiter.method}: tab ${id} connection closed`));
    pending.clear();
  };
  const send = <T>(method: string, params: object = {}) =>
    new Promise<T>((resolve, reject) => {
      const n = ++seq;
      pending.set(n, { resolve: resolve as (v: unknown) => void, reject, method });
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  return {
    id,
    send,
    async evaluate<T>(expression: string) {
      const out = await send<{
        result: { value: T };
        exceptionDetails?: { text: string; exception?: { description?: string } };
      }>("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true });
      if (out.exceptionDetails)
        throw new Error(
          `in page: ${out.exceptionDetails.exception?.description ?? out.exceptionDetails.text}`,
        );
      return out.result.value;
    },
    on(event, handler) {
      listeners.set(event, [...(listeners.get(event) ?? []), handler]);
    },
    close: () => ws.close(),
  };
}

/** Collects the tab's console errors, uncaught exceptions and browser-logged errors (failed loads) into `errors`. */
export async function collectErrors(tab: CdpTab, label: string, errors: ErrorLog): Promise<void> {
  tab.on("Runtime.consoleAPICalled", (p) => {
    if (p.type !== "error") return;
    const args = (p.args as Array<{ value?: unknown; description?: string }>).map(
      (a) => a.value ?? a.description,
    );
    errors.push(`${label} console.error: ${args.join(" ")}`);
  });
  tab.on("Runtime.exceptionThrown", (p) => {
    const details = p.exceptionDetails as { text: string; exception?: { description?: string } };
    errors.push(`${label} exception: ${details.exception?.description ?? details.text}`);
  });
  tab.on("Log.entryAdded", (p) => {
    const entry = p.entry as { level: string; text: string; url?: string };
    if (entry.level === "error") errors.push(`${label} log: ${entry.text} (${entry.url ?? ""})`);
  });
  await tab.send("Runtime.enable");
  await tab.send("Log.enable");
}
