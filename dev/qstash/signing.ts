/**
 * The Upstash-Signature JWT, made exactly as QStash makes it (docs: features/security): header
 * {alg: HS256, typ: JWT}, HMAC-SHA256 with the current signing key's UTF-8 bytes, claims iss
 * "Upstash", sub = the URL called, iat/nbf = now, exp = now + 5 min, a unique jti and `body` =
 * the SHA-256 of the raw body in base64url. Receiver.verify from @upstash/qstash checks it.
 */
import { createHash, createHmac, randomBytes } from "node:crypto";

/** JWT lifetime QStash uses by default, in seconds. */
const LIFETIME_S = 5 * 60;

/**
 * base64url of the body's SHA-256. QStash's docs example keeps the "=" padding
 * ("qK78…vY4="); Receiver strips padding on both sides before comparing, so either verifies.
 */
export function bodyHash(body: Uint8Array): string {
  return createHash("sha256").update(body).digest("base64").replace(/\+/g, "-").replace(/\//g, "_");
}

function segment(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/** Signs one delivery of `body` to `url` with `key`; `nowMs` is injectable for tests. */
export function signDelivery(
  key: string,
  url: string,
  body: Uint8Array,
  nowMs = Date.now(),
): string {
  const iat = Math.floor(nowMs / 1000);
  const claims = {
    iss: "Upstash",
    sub: url,
    exp: iat + LIFETIME_S,
    nbf: iat,
    iat,
    jti: `jwt_${randomBytes(16).toString("hex")}`,
    body: bodyHash(body),
  };
  const unsigned = `${segment({ alg: "HS256", typ: "JWT" })}.${segment(claims)}`;
  const signature = createHmac("sha256", Buffer.from(key, "utf8"))
    .update(unsigned)
    .digest("base64url");
  return `${unsigned}.${signature}`;
}
