import { createHash, randomUUID } from "node:crypto";
import { SignJWT } from "jose";

/** Signs a delivery the way QStash does, with knobs to get it wrong on purpose. */
export async function signDelivery(opts: {
  key: string;
  url: string;
  body: string;
  expiresInS?: number;
  notBeforeS?: number;
  issuer?: string;
}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const bodyHash = createHash("sha256").update(opts.body).digest("base64url");
  return new SignJWT({ body: bodyHash })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(opts.issuer ?? "Upstash")
    .setSubject(opts.url)
    .setIssuedAt(now)
    .setNotBefore(now + (opts.notBeforeS ?? 0))
    .setExpirationTime(now + (opts.expiresInS ?? 300))
    .setJti(randomUUID())
    .sign(new TextEncoder().encode(opts.key));
}
