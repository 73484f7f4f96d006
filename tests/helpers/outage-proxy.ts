import { createServer, connect, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

/**
 * A TCP proxy in front of a server that can be taken down for real: `down()` closes its port
 * (new connections are refused: ECONNREFUSED, as for a crashed app or an unreachable Redis) and
 * cuts every open connection; `up()` listens on the same port again. Point a client's URL at
 * `url` instead of the server's. Nothing is faked above TCP: whatever speaks HTTP through it sees
 * exactly what it would see when the server really went away.
 */
export type OutageProxy = {
  url: string;
  port: number;
  isDown(): boolean;
  down(): Promise<void>;
  up(): Promise<void>;
  stop(): Promise<void>;
};

export async function startOutageProxy(target: string, host = "127.0.0.1"): Promise<OutageProxy> {
  const to = new URL(target);
  const toPort = Number(to.port || 80);
  const open = new Set<Socket>();
  let server: Server | null = null;
  let port = 0;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = connect(toPort, to.hostname);
        for (const socket of [client, upstream]) {
          open.add(socket);
          socket.on("close", () => open.delete(socket));
          socket.on("error", () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      s.once("error", reject);
      s.listen(port, host, () => {
        port = (s.address() as AddressInfo).port;
        server = s;
        resolve();
      });
    });

  const close = async () => {
    const s = server;
    server = null;
    for (const socket of open) socket.destroy();
    open.clear();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };

  await listen();
  const base = `${to.protocol}//${to.hostname === "localhost" ? "localhost" : host}:${port}`;
  return {
    url: `${base}${to.pathname === "/" ? "" : to.pathname}`,
    port,
    isDown: () => server === null,
    down: close,
    async up() {
      if (!server) await listen();
    },
    stop: close,
  };
}
