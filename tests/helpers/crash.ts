import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Crash emulation for route handlers running in the test process. Each request runs inside a
 * context; `crash()` freezes it like a killed process: its in-flight fetches (OpenAI stream,
 * Redis) are aborted and every later fetch it makes never settles, so it writes nothing more.
 * Both official SDKs use the global fetch, which is what this wraps.
 */
type Context = { crashed: boolean; controller: AbortController };
const storage = new AsyncLocalStorage<Context>();
const live = new Set<Context>();
let installed = false;

function install() {
  if (installed) return;
  installed = true;
  const realFetch = globalThis.fetch;
  globalThis.fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
    const ctx = storage.getStore();
    if (!ctx) return realFetch(input, init);
    if (ctx.crashed) return new Promise<Response>(() => {});
    const signal = init?.signal
      ? AbortSignal.any([init.signal, ctx.controller.signal])
      : ctx.controller.signal;
    return realFetch(input, { ...init, signal });
  }) as typeof fetch;
}

/** Runs `fn` as one crashable request. */
export function runCrashable<T>(fn: () => Promise<T>, onCrash: () => void): Promise<T> {
  install();
  const ctx: Context = { crashed: false, controller: new AbortController() };
  live.add(ctx);
  ctx.controller.signal.addEventListener("abort", onCrash);
  return storage.run(ctx, fn).finally(() => live.delete(ctx));
}

/** Crashes every request in flight now; returns how many there were. */
export function crashInFlight(): number {
  const n = live.size;
  for (const ctx of live) {
    ctx.crashed = true;
    ctx.controller.abort(new Error("crashed by test"));
  }
  live.clear();
  return n;
}
