import { AsyncLocalStorage } from "node:async_hooks";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The app's QStash webhooks (consume and failure callback) served in this process, each delivery
 * in a context of its own that can be crashed alone. tests/helpers/crash.ts crashes every request
 * in flight at once (a whole instance dying); chaos wants ~10 % of deliveries to die, each at its
 * own moment, and to know which job died when. A crash here is the same as there: the delivery's
 * in-flight fetches (OpenAI stream, Redis) are aborted, every later fetch it makes never settles,
 * and its connection is cut, so QStash sees a failed attempt and retries.
 *
 * Point APP_BASE_URL at `url`: QStash then delivers here (and signs for this URL, which the app
 * verifies against APP_BASE_URL). Visitors keep talking to the stack's own app server.
 */
export type CrashRecord = {
  jobId: string;
  messageId: string;
  retried: number;
  at: number;
  step: string | null;
};
export type DeliveryRecord = {
  path: string;
  jobId: string;
  messageId: string;
  retried: number;
  startedAt: number;
  endedAt?: number;
  status?: number;
  crashed: boolean;
};

type Ctx = {
  crashed: boolean;
  controller: AbortController;
  openaiCalls: number;
  step: string | null;
  crash(): void;
  onOpenAI?: (n: number) => void;
};

export type CrashPolicy = {
  /** Share of consume deliveries armed to crash (0..1). */
  armRate: number;
  /** An armed delivery dies within this long (uniform, ms) after its first or second model request starts (picked at random): mid-step. */
  maxDelayMs: number;
};

const storage = new AsyncLocalStorage<Ctx>();
let installed = false;

/** Wraps the global fetch (both official SDKs use it) so crashed contexts freeze. */
function install(openaiBase: () => string) {
  if (installed) return;
  installed = true;
  const inner = globalThis.fetch;
  globalThis.fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
    const ctx = storage.getStore();
    if (!ctx) return inner(input, init);
    if (ctx.crashed) return new Promise<Response>(() => {});
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (url.startsWith(openaiBase()) && typeof init?.body === "string") {
      try {
        ctx.step =
          (JSON.parse(init.body) as { metadata?: { step?: string } }).metadata?.step ?? null;
      } catch {
        ctx.step = null;
      }
      ctx.onOpenAI?.(++ctx.openaiCalls);
    }
    const signal = init?.signal
      ? AbortSignal.any([init.signal, ctx.controller.signal])
      : ctx.controller.signal;
    return inner(input, { ...init, signal });
  }) as typeof fetch;
}

const ROUTES: Record<string, () => Promise<{ POST: (req: Request) => Promise<Response> }>> = {
  "/api/analysis/consume": () => import("../../app/api/analysis/consume/route.ts"),
  "/api/analysis/failed": () => import("../../app/api/analysis/failed/route.ts"),
};

export async function startCrashingFront(policy: () => CrashPolicy) {
  install(() => process.env.OPENAI_BASE_URL ?? "\u0000");
  const crashes: CrashRecord[] = [];
  const deliveries: DeliveryRecord[] = [];
  /** Deliveries running now: an app-down window kills them all at once. */
  const live = new Set<Ctx>();

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    ctx: Ctx,
    record: DeliveryRecord,
  ) {
    const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
    const load = ROUTES[url.pathname];
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (!load || req.method !== "POST") return void res.writeHead(404).end();
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    const response = await (await load()).POST(
      new Request(url, { method: "POST", headers, body: Buffer.concat(chunks) }),
    );
    record.status = response.status;
    const body = Buffer.from(await response.arrayBuffer());
    if (ctx.crashed) return;
    record.endedAt = Date.now();
    res.writeHead(response.status, Object.fromEntries(response.headers)).end(body);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://front");
    const record: DeliveryRecord = {
      path: url.pathname,
      jobId: url.searchParams.get("job") ?? "",
      messageId: String(req.headers["upstash-message-id"] ?? ""),
      retried: Number(req.headers["upstash-retried"] ?? 0),
      startedAt: Date.now(),
      crashed: false,
    };
    deliveries.push(record);
    const ctx: Ctx = {
      crashed: false,
      controller: new AbortController(),
      openaiCalls: 0,
      step: null,
      crash() {
        if (ctx.crashed || record.endedAt !== undefined) return;
        ctx.crashed = record.crashed = true;
        crashes.push({
          jobId: record.jobId,
          messageId: record.messageId,
          retried: record.retried,
          at: Date.now(),
          step: ctx.step,
        });
        ctx.controller.abort(new Error("crashed by the chaos suite"));
        res.destroy();
      },
    };
    const { armRate, maxDelayMs } = policy();
    if (record.path === "/api/analysis/consume" && Math.random() < armRate) {
      // Dies during its first or second model call (or just after it, before the checkpoint lands).
      const trigger = 1 + Math.floor(Math.random() * 2);
      ctx.onOpenAI = (n) => {
        if (n === trigger) setTimeout(() => ctx.crash(), Math.random() * maxDelayMs).unref();
      };
    }
    live.add(ctx);
    res.on("close", () => live.delete(ctx));
    void storage
      .run(ctx, () => handle(req, res, ctx, record))
      .catch((error) => {
        if (ctx.crashed) return;
        record.endedAt = Date.now();
        if (!res.headersSent && !res.destroyed) res.writeHead(500).end(String(error));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    crashes,
    deliveries,
    /** Kills every delivery in flight (the whole app going down); returns how many there were. */
    crashAll(): number {
      const running = [...live];
      for (const ctx of running) ctx.crash();
      return running.length;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type CrashingFront = Awaited<ReturnType<typeof startCrashingFront>>;
