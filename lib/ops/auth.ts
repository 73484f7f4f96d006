import "server-only";
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { readCookie } from "@/lib/auth";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { addressHash, clientAddress } from "@/lib/http/client-address";
import { countFailure, lockedOutFor, lockoutError } from "@/lib/ops/auth-guard";
import { redis } from "@/lib/redis/client";
import { keys } from "@/lib/redis/keys";

/**
 * Who may see /ops: whoever holds OPS_TOKEN. It arrives either as `Authorization: Bearer <token>`
 * (scripts, uptime checks) or once, through the /ops sign-in form, which trades it for a session:
 * a random id in an httpOnly cookie, stored in Redis (only its SHA-256) with a 12 h TTL, checked
 * on every request and deleted by sign-out. Wrong tokens are counted per client address; past
 * OPS_AUTH_LIMIT the address is answered 429, past OPS_LOCKOUT it is locked out (lib/ops/auth-guard.ts).
 */
export const OPS_COOKIE = "tabsafe_ops";
const SESSION_TTL_S = 12 * 3600;

function token(): string {
  const t = env().OPS_TOKEN;
  if (!t)
    throw new AppError(
      "unauthorized:ops",
      "The ops pages are disabled: set OPS_TOKEN to enable them.",
    );
  return t;
}

function same(a: string, b: string): boolean {
  // Hash both sides first: timingSafeEqual needs equal lengths, and the length must not leak.
  const ha = createHmac("sha256", "tabsafe-compare").update(a).digest();
  const hb = createHmac("sha256", "tabsafe-compare").update(b).digest();
  return timingSafeEqual(ha, hb);
}

const sessionKey = (id: string) =>
  keys.opsSession(createHash("sha256").update(id).digest("hex").slice(0, 32));
const wellFormed = (id: string | null | undefined): id is string =>
  !!id && /^[A-Za-z0-9_-]{43}$/.test(id);

/**
 * Checks a candidate token from `req`'s address: a locked-out address is refused before the token
 * is even compared (so a lockout cannot be probed for the right answer); a wrong token is counted.
 */
async function checkToken(req: Request, candidate: string): Promise<void> {
  const address = addressHash(clientAddress(req));
  const lockedS = await lockedOutFor(address);
  if (lockedS > 0) throw lockoutError(lockedS);
  if (same(candidate, token())) return;
  throw await countFailure(address);
}

/** Signs an operator in with the token: the Set-Cookie header of a new session. */
export async function signIn(req: Request, candidate: string): Promise<string> {
  await checkToken(req, candidate);
  const id = randomBytes(32).toString("base64url");
  await redis().set(sessionKey(id), JSON.stringify({ at: Date.now() }), { ex: SESSION_TTL_S });
  return cookieHeader(id);
}

/** Ends the session the request carries (the id is deleted from Redis): the cookie-clearing header. */
export async function signOut(req: Request): Promise<string> {
  const id = readCookie(req.headers.get("cookie"), OPS_COOKIE);
  if (wellFormed(id)) await redis().del(sessionKey(id));
  return cookieHeader(null);
}

/** True when a cookie value is a live ops session (used by the /ops layout). One GET. */
export async function isOpsSession(value: string | undefined | null): Promise<boolean> {
  if (!env().OPS_TOKEN || !wellFormed(value)) return false;
  return (await redis().exists(sessionKey(value))) === 1;
}

/** Throws a 401 (or 429) AppError unless the request carries the token or a live ops session. */
export async function requireOps(req: Request): Promise<void> {
  token();
  const auth = req.headers.get("authorization");
  if (auth?.startsWith("Bearer ")) return checkToken(req, auth.slice(7).trim());
  if (await isOpsSession(readCookie(req.headers.get("cookie"), OPS_COOKIE))) return;
  throw new AppError("unauthorized:ops", "Operator sign-in required.");
}

function cookieHeader(id: string | null): string {
  const secure = env().APP_BASE_URL.startsWith("https://") ? "; Secure" : "";
  if (!id) return `${OPS_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure}`;
  return `${OPS_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_TTL_S}${secure}`;
}
