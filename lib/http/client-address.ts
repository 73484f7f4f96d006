import "server-only";
import { createHmac } from "node:crypto";
import { env } from "@/lib/env";

/**
 * Where a request comes from, for limits a fresh cookie cannot reset. The address is read from
 * the header the platform in front of the app sets (CLIENT_ADDRESS_HEADER; Vercel and most proxies
 * set x-forwarded-for), taking the entry CLIENT_ADDRESS_HOPS from the right — the one the nearest
 * trusted proxy saw — so a client cannot pick its own address by sending the header itself.
 * IPv6 addresses are bucketed by /64 (one subscriber usually holds a whole /64). Without the
 * header (local development, tests) every request shares the bucket "unknown".
 *
 * The address is personal data: what limits and logs keep is a keyed hash of it, never the address.
 */
export function clientAddress(req: Request): string {
  const e = env();
  if (!e.CLIENT_ADDRESS_HEADER) return "unknown";
  const entries = (req.headers.get(e.CLIENT_ADDRESS_HEADER) ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const picked = entries[entries.length - e.CLIENT_ADDRESS_HOPS] ?? entries[0];
  return picked ? bucket(picked) : "unknown";
}

/** An IPv4 address as is; an IPv6 address as its /64 prefix. */
export function bucket(address: string): string {
  const bare = address.replace(/^\[|\](:\d+)?$/g, "").replace(/^::ffff:(?=\d+\.)/i, "");
  if (!bare.includes(":")) return bare.replace(/:\d+$/, "");
  const [head, tail = ""] = bare.toLowerCase().split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = [
    ...left,
    ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"),
    ...right,
  ];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

/** The keyed hash of a client address that limits and ops data use ("ah_…"). */
export function addressHash(address: string): string {
  return `ah_${createHmac("sha256", env().SESSION_SECRET).update(`client-address:${address}`).digest("base64url").slice(0, 16)}`;
}
