import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** One request the destination received. `aborted`: the caller hung up before the answer was sent. */
export type Received = {
  at: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  aborted: boolean;
  /** Requests to the same path in flight at the moment this one arrived (itself included). */
  concurrent: number;
};

export type Reply = {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  delayMs?: number;
};
export type Behaviour = (req: Received, nth: number) => Reply | Promise<Reply>;

export type Destination = {
  url: string;
  /** Absolute URL of `path` on this server (what to publish to). */
  at(path: string): string;
  /** How `path` answers; `nth` counts its requests from 0. Default: 200 "ok". */
  on(path: string, behaviour: Behaviour): void;
  received(path: string): Received[];
  maxConcurrent(path: string): number;
  stop(): Promise<void>;
};

/**
 * A tiny HTTP server standing in for the app's webhook: records every request (raw body and
 * headers, as QStash sent them) and answers as each test tells it to.
 */
export async function startDestination(): Promise<Destination> {
  const behaviours = new Map<string, Behaviour>();
  const log = new Map<string, Received[]>();
  const active = new Map<string, number>();
  const peak = new Map<string, number>();

  const server = createServer(async (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const now = (active.get(path) ?? 0) + 1;
    active.set(path, now);
    peak.set(path, Math.max(peak.get(path) ?? 0, now));
    const list = log.get(path) ?? [];
    log.set(path, list);
    const received: Received = {
      at: Date.now(),
      method: req.method ?? "",
      path,
      headers: req.headers,
      body: Buffer.concat(chunks).toString("utf8"),
      aborted: false,
      concurrent: now,
    };
    list.push(received);
    res.on("close", () => {
      active.set(path, (active.get(path) ?? 1) - 1);
      if (!res.writableFinished) received.aborted = true;
    });
    const behaviour: Behaviour = behaviours.get(path) ?? (() => ({}));
    const reply = await behaviour(received, list.length - 1);
    if (reply.delayMs) await sleep(reply.delayMs);
    if (res.destroyed) return;
    res.writeHead(reply.status ?? 200, reply.headers ?? {});
    res.end(reply.body ?? "ok");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    at: (path) => `${url}${path}`,
    on: (path, behaviour) => void behaviours.set(path, behaviour),
    received: (path) => log.get(path) ?? [],
    maxConcurrent: (path) => peak.get(path) ?? 0,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
