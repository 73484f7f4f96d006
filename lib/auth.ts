import "server-only";
import { createHmac, timingSafeEqual } from "node:crypto";
import { nanoid } from "nanoid";
import { env } from "@/lib/env";

/**
 * The one place that says who owns a request. Anonymous visitors get an HMAC-signed session
 * cookie `tabsafe_session=<owner>.<signature>`; a deployment with real auth replaces
 * `resolveOwner` and nothing else changes. Owners are opaque ids, never personal data.
 */
export const SESSION_COOKIE = "tabsafe_session";
const ONE_YEAR_S = 365 * 24 * 3600;

export type Owner = {
  id: string;
  /** Set when this request minted a new session: the route must send it back. */
  setCookie: string | null;
};

export function resolveOwner(req: Request): Owner {
  const existing = verifySession(readCookie(req.headers.get("cookie"), SESSION_COOKIE));
  if (existing) return { id: existing, setCookie: null };
  const id = `v_${nanoid(16)}`;
  const secure = env().APP_BASE_URL.startsWith("https://") ? "; Secure" : "";
  return {
    id,
    setCookie: `${SESSION_COOKIE}=${sign(id)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${ONE_YEAR_S}${secure}`,
  };
}

/** Adds the session cookie to a response when the request minted one. */
export function withSession(res: Response, owner: Owner): Response {
  if (owner.setCookie) res.headers.append("set-cookie", owner.setCookie);
  return res;
}

function sign(id: string): string {
  return `${id}.${mac(id)}`;
}

function mac(id: string): string {
  return createHmac("sha256", env().SESSION_SECRET).update(id).digest("base64url");
}

/** The owner id of a well-formed, correctly signed cookie value; null otherwise. */
export function verifySession(value: string | null): string | null {
  if (!value) return null;
  const dot = value.lastIndexOf(".");
  if (dot <= 0) return null;
  const id = value.slice(0, dot);
  if (!/^v_[A-Za-z0-9_-]{16}$/.test(id)) return null;
  const given = Buffer.from(value.slice(dot + 1));
  const expected = Buffer.from(mac(id));
  return given.length === expected.length && timingSafeEqual(given, expected) ? id : null;
}

export function readCookie(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return null; // a malformed escape: no valid cookie, not a server error
      }
    }
  }
  return null;
}
