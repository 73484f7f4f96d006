import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import type { AddressInfo } from "node:net";
import { runCrashable } from "./crash.ts";

type Handler = (
  req: Request,
  ctx: { params: Promise<Record<string, string>> },
) => Promise<Response>;
type RouteModule = Partial<Record<string, Handler>>;
type RouteEntry = { pattern: RegExp; names: string[]; file: string };

const appDir = join(import.meta.dirname, "..", "..", "app");

/** Every app/**\/route.ts as a URL pattern: `[id]` segments become named parameters. */
function discoverRoutes(dir = appDir): RouteEntry[] {
  const out: RouteEntry[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...discoverRoutes(path));
    else if (name === "route.ts") {
      const segments = relative(appDir, dir).split(sep).filter(Boolean);
      const names: string[] = [];
      const source = segments.map((s) =>
        s.startsWith("[")
          ? (names.push(s.slice(1, -1)), "([^/]+)")
          : s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
      );
      out.push({ pattern: new RegExp(`^/${source.join("/")}/?$`), names, file: path });
    }
  }
  return out;
}

/**
 * Serves the app's real route handlers over HTTP without `next dev`, so the QStash stand-in can
 * deliver to them and tests can call them as a browser would. Same modules, same code path.
 */
export async function startAppServer(): Promise<{
  url: string;
  requests: () => number;
  stop(): Promise<void>;
}> {
  const routes = discoverRoutes();
  let count = 0;
  const server: Server = createServer((req, res) => {
    count++;
    // A crashed request never answers: its connection is cut, as when a function dies.
    void runCrashable(
      () => dispatch(routes, req, res),
      () => res.destroy(),
    ).catch((error) => {
      if (res.destroyed) return;
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    requests: () => count,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function dispatch(routes: RouteEntry[], req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
  const route = routes.find((r) => r.pattern.test(url.pathname));
  const mod: RouteModule | undefined = route ? await import(route.file) : undefined;
  const handler = mod?.[req.method ?? "GET"];
  if (!route || !handler) {
    res.writeHead(route ? 405 : 404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { code: "not_found:route", message: "no such route" } }));
    return;
  }
  const match = route.pattern.exec(url.pathname)!;
  const params = Object.fromEntries(
    route.names.map((n, i) => [n, decodeURIComponent(match[i + 1])]),
  );
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
  const body =
    chunks.length && req.method !== "GET" && req.method !== "HEAD"
      ? Buffer.concat(chunks)
      : undefined;
  const response = await handler(new Request(url, { method: req.method, headers, body }), {
    params: Promise.resolve(params),
  });
  const outHeaders: Record<string, string | string[]> = {};
  response.headers.forEach((v, k) => void (outHeaders[k] = v));
  const cookies = response.headers.getSetCookie();
  if (cookies.length) outHeaders["set-cookie"] = cookies;
  res.writeHead(response.status, outHeaders);
  res.end(Buffer.from(await response.arrayBuffer()));
}
