import type { NetworkInterfaceInfo } from "node:os";

/**
 * The hostnames `next dev` may serve its dev resources to (next.config's `allowedDevOrigins`).
 * Next 16 answers 403 to the HMR websocket and dev chunks requested from any page whose origin
 * it does not know — only `localhost` by default — and such a page renders but never hydrates.
 * So every name this machine can be reached by is allowed: loopback (127.0.0.1, [::1]), every
 * address of its network interfaces (the LAN, to try the app from a phone), its host name, the
 * host of APP_BASE_URL (a tunnel or proxy) and DEV_ALLOWED_ORIGINS: extra hosts, comma or space
 * separated, as Next matches them (`box.lan`, `*.trycloudflare.com`; a full URL counts by its
 * host). Next compares only the hostname of the request's Origin, which for IPv6 is bracketed.
 * Interfaces are read when next dev starts: a new LAN address needs a restart.
 */
export function devOrigins(opts: {
  env: Record<string, string | undefined>;
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>;
  hostname?: string;
}): string[] {
  const hosts = new Set<string>(["localhost", "127.0.0.1", "[::1]"]);
  for (const addresses of Object.values(opts.interfaces)) {
    for (const a of addresses ?? []) hosts.add(a.family === "IPv6" ? `[${a.address}]` : a.address);
  }
  if (opts.hostname) hosts.add(opts.hostname.toLowerCase());
  const appHost = hostOf(opts.env.APP_BASE_URL ?? "");
  if (appHost) hosts.add(appHost);
  for (const entry of (opts.env.DEV_ALLOWED_ORIGINS ?? "").split(/[\s,]+/)) {
    const host = entry.includes("://") ? hostOf(entry) : entry.toLowerCase();
    if (host) hosts.add(host);
  }
  return [...hosts];
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase() || null;
  } catch {
    return null;
  }
}
