import "server-only";
import { createHmac, timingSafeEqual } from "node:crypto";
import { readCookie } from "@/lib/auth";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";

/**
 * Who may see /ops: whoever holds OPS_TOKEN. It arrives either as `Authorization: Bearer <token>`
 * (scripts, uptime checks) or as the httpOnly cookie the /ops sign-in form sets. The cookie holds
 * an HMAC derived from the token, never the token itself, so changing OPS_TOKEN signs everyone
 * out. Every comparison is constant-time.
 */
export const OPS_COOKIE = "tabsafe_ops";
const TWELVE_HOURS_S = 12 * 3600;

function token(): string {
  const t = env().OPS_TOKEN;
  if (!t) throw new AppError("unauthorized:ops", "The ops pages are disabled: set OPS_TOKEN to enable them.");
  return t;
}

const cookieValue = () => createHmac("sha256", token()).update("tabsafe ops session v1").digest("base64url");

function same(a: string, b: string): boolean {
  // Hash both sides first: timingSafeEqual needs equal lengths, and the length must not leak.
  const ha = createHmac("sha256", "tabsafe-compare").update(a).digest();
  const hb = createHmac("sha256", "tabsafe-compare").update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** True when `candidate` is the operator token. */
export function isOpsToken(candidate: string): boolean {
  return same(candidate, token());
}

/** True when a cookie value is a current ops session (used by the /ops layout). */
export function isOpsCookie(value: string | undefined | null): boolean {
  if (!env().OPS_TOKEN || !value) return false;
  return same(value, cookieValue());
}

/** Throws a 401 AppError unless the request carries the token or a valid ops cookie. */
export function requireOps(req: Request): void {
  token();
  const auth = req.headers.get("authorization");
  if (auth?.startsWith("Bearer ") && isOpsToken(auth.slice(7).trim())) return;
  if (isOpsCookie(readCookie(req.headers.get("cookie"), OPS_COOKIE))) return;
  throw new AppError("unauthorized:ops", "Operator sign-in required.");
}

/** The Set-Cookie header that signs an operator in (or, with `clear`, out). */
export function opsCookieHeader(clear = false): string {
  const secure = env().APP_BASE_URL.startsWith("https://") ? "; Secure" : "";
  if (clear) return `${OPS_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure}`;
  return `${OPS_COOKIE}=${cookieValue()}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${TWELVE_HOURS_S}${secure}`;
}
