import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";

/** One request that reached the app through the proxy. `at` is epoch ms. */
export type Hit = { at: number; method: string; path: string; status: number };

export type CountingProxy = {
  /** Origin the browser and QStash use, e.g. http://localhost:41234. */
  url: string;
  /** Requests so far whose pathname is `path` (query ignored), optionally only those since `since` (epoch ms). */
  count(path: string, since?: number): number;
  hits(): Hit[];
  stop(): Promise<void>;
};

/**
 * A transparent HTTP proxy in front of `next start` that logs every request by path. It answers
 * "how many status requests reached the server", which a browser-side counter cannot: a fetch
 * the browser refuses while offline never leaves the machine, and only this log knows.
 */
export async function startCountingProxy(targetPort: number): Promise<CountingProxy> {
  const log: Hit[] = [];
  const server = createServer((req, res) => {
    const hit: Hit = {
      at: Date.now(),
      method: req.method ?? "GET",
      path: (req.url ?? "/").split("?")[0],
      status: 0,
    };
    log.push(hit);
    const upstream = request(
      {
        host: "127.0.0.1",
        port: targetPort,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        hit.status = answer.statusCode ?? 0;
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    // A caller that hangs up (a tab closed mid-request) hangs up on the app too.
    res.on("close", () => void (!res.writableFinished && upstream.destroy()));
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    count: (path, since = 0) => log.filter((h) => h.path === path && h.at >= since).length,
    hits: () => log.map((h) => ({ ...h })),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
