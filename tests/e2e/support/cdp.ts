import { spawn, type ChildProcess } from "node:child_process";
import { freePort } from "../../../dev/redis-rest/redis-server.ts";
import { CHROMIUM, CHROMIUM_FLAGS, tmpProfile } from "./browser.ts";

/**
 * Chromium driven over the raw DevTools protocol, for the one thing Playwright cannot do:
 * really hide a tab. Playwright keeps every page it controls "visible" (it emulates focus), but
 * a plain Chromium tab behind another in the same window reports visibilityState "hidden" and
 * gets its visibilitychange events, as in a person's browser.
 */
export type CdpTab = { id: string; send<T = unknown>(method: string, params?: object): Promise<T>; evaluate<T>(expression: string): Promise<T>; close(): void };

export async function launchCdpChromium(): Promise<{ newTab(): Promise<CdpTab>; activate(tab: CdpTab): Promise<void>; close(): Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn(CHROMIUM, ["--headless=new", `--remote-debugging-port=${port}`, `--user-data-dir=${tmpProfile()}`, ...CHROMIUM_FLAGS, "about:blank"], { stdio: "ignore" });
  const http = (path: string, method = "GET") => fetch(`http://127.0.0.1:${port}${path}`, { method });
  for (let i = 0; i < 100 && !(await http("/json/version").then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 100));
  return {
    async newTab() {
      const target = (await (await http("/json/new?about:blank", "PUT")).json()) as { id: string; webSocketDebuggerUrl: string };
      return connect(target.id, target.webSocketDebuggerUrl);
    },
    async activate(tab) {
      await http(`/json/activate/${tab.id}`);
    },
    async close() {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    },
  };
}

async function connect(id: string, url: string): Promise<CdpTab> {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let seq = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  ws.onmessage = (event) => {
    const msg = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
    const waiter = msg.id === undefined ? undefined : pending.get(msg.id);
    if (!waiter) return;
    pending.delete(msg.id!);
    if (msg.error) waiter.reject(new Error(msg.error.message));
    else waiter.resolve(msg.result);
  };
  const send = <T>(method: string, params: object = {}) =>
    new Promise<T>((resolve, reject) => {
      const n = ++seq;
      pending.set(n, { resolve: resolve as (v: unknown) => void, reject });
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  return {
    id,
    send,
    async evaluate<T>(expression: string) {
      const out = await send<{ result: { value: T }; exceptionDetails?: { text: string } }>("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true });
      if (out.exceptionDetails) throw new Error(`in page: ${out.exceptionDetails.text}`);
      return out.result.value;
    },
    close: () => ws.close(),
  };
}
