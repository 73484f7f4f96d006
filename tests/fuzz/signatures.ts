import { createHash, randomUUID } from "node:crypto";
import fc from "fast-check";
import { SignJWT } from "jose";
import { signDelivery } from "../helpers/qstash-jwt.ts";
import { junkCookie, nastyString, rawQueryPart } from "./arbitraries.ts";
import type { FuzzRequest } from "./harness.ts";

/**
 * QStash deliveries that did not come from QStash, or not for this URL and body: every way the
 * `Upstash-Signature` JWT can be wrong. `genuine` is the one correct signature (current or next
 * key), used for signed-but-malformed messages.
 */
export type Forgery =
  | { kind: "missing" }
  | { kind: "garbage"; token: string }
  | { kind: "alg-none" }
  | { kind: "wrong-key"; key: string }
  | { kind: "wrong-issuer"; issuer: string }
  | { kind: "expired"; agoS: number }
  | { kind: "not-yet-valid"; inS: number }
  | { kind: "other-url"; how: number }
  | { kind: "tampered-body"; signedBody: string }
  | { kind: "bad-claims"; claims: Record<string, unknown> }
  | { kind: "damaged"; at: number; char: string }
  | { kind: "genuine"; key: "current" | "next" };

/** A delivery to a webhook: the path it is sent to, its raw body and how its signature is made. */
export type Delivery = {
  method: string;
  path: string;
  body: string;
  forgery: Forgery;
  headers: Record<string, string>;
};

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
const bodyHash = (body: string) => createHash("sha256").update(body).digest("base64url");
const b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** A random JWT-looking token (three base64url parts), or plain junk. Kept under Node's 16 KB header limit. */
const garbageToken: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    ".",
    "..",
    "...",
    "null",
    "Bearer x",
    "eyJhbGciOiJIUzI1NiJ9..",
    "a.b.c",
    "eyJ.eyJ.sig",
  ),
  fc
    .tuple(...[1, 2, 3].map(() => fc.string({ unit: fc.constantFrom(...b64chars), maxLength: 80 })))
    .map((p) => p.join(".")),
  fc
    .tuple(fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 2 }))
    .map(([h, p]) => `${b64(h)}.${b64(p)}.${"A".repeat(43)}`),
  fc.string({
    unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
    maxLength: 200,
  }),
  fc.integer({ min: 1_000, max: 8_000 }).map((n) => "e".repeat(n)),
);

/** Every forgery but `genuine`: each one is a delivery QStash did not sign for this URL and body. */
export const forgery: fc.Arbitrary<Forgery> = fc.oneof(
  fc.constant({ kind: "missing" as const }),
  garbageToken.map((token) => ({ kind: "garbage" as const, token })),
  fc.constant({ kind: "alg-none" as const }),
  fc
    .oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.constantFrom("sig_", " ", "\u0000"))
    .map((key) => ({ kind: "wrong-key" as const, key })),
  fc
    .oneof(nastyString, fc.constantFrom("upstash", "Upstash ", "UPSTASH", "", "Upstash\u0000"))
    .filter((i) => i !== "Upstash")
    .map((issuer) => ({ kind: "wrong-issuer" as const, issuer })),
  fc
    .integer({ min: 5, max: 10 * 365 * 86_400 })
    .map((agoS) => ({ kind: "expired" as const, agoS })),
  fc
    .integer({ min: 5, max: 10 * 365 * 86_400 })
    .map((inS) => ({ kind: "not-yet-valid" as const, inS })),
  fc.nat({ max: 7 }).map((how) => ({ kind: "other-url" as const, how })),
  fc
    .string({ maxLength: 40 })
    .map((signedBody) => ({ kind: "tampered-body" as const, signedBody })),
  fc
    .oneof(
      fc.constant({}),
      fc.record(
        { body: fc.oneof(fc.constant(null), fc.integer(), fc.constant(["x"]), nastyString) },
        { requiredKeys: [] },
      ),
      fc.record({ sub: fc.oneof(fc.constant(null), fc.integer(), fc.constant({})) }),
    )
    .map((claims) => ({ kind: "bad-claims" as const, claims })),
  fc
    .tuple(fc.nat(), fc.constantFrom(...b64chars))
    .map(([at, char]) => ({ kind: "damaged" as const, at, char })),
);

/** URLs that are not the one QStash called: another host, scheme, path or query. */
function otherUrl(url: string, how: number): string {
  const u = new URL(url);
  const variants = [
    `${url}x`,
    `${url}${u.search ? "&" : "?"}extra=1`,
    url.replace("http://", "https://"),
    url.replace("localhost", "127.0.0.1"),
    `${u.origin}${u.pathname}/${u.search}`,
    url.toUpperCase(),
    `${u.origin}/api/analysis/consume?job=other`,
    `${u.origin}/api/stack/echo?x`,
  ];
  const pick = variants[how % variants.length];
  return pick === url ? `${url}#x` : pick;
}

/**
 * Makes the request of a delivery. `signedUrl(path)` is the URL the route verifies a delivery to
 * `path` against (APP_BASE_URL + its configured path and, for most routes, the query).
 */
export async function deliveryRequest(
  d: Delivery,
  signedUrl: (path: string) => string,
): Promise<FuzzRequest> {
  const url = signedUrl(d.path);
  const current = process.env.QSTASH_CURRENT_SIGNING_KEY!;
  const f = d.forgery;
  const sign = (opts: Partial<Parameters<typeof signDelivery>[0]> = {}) =>
    signDelivery({ key: current, url, body: d.body, ...opts });
  let token: string | undefined;
  switch (f.kind) {
    case "missing":
      token = undefined;
      break;
    case "garbage":
      token = f.token;
      break;
    case "genuine":
      token = await sign({
        key: f.key === "next" ? process.env.QSTASH_NEXT_SIGNING_KEY! : current,
      });
      break;
    case "wrong-key":
      token = await sign({ key: f.key });
      break;
    case "wrong-issuer":
      token = await sign({ issuer: f.issuer });
      break;
    case "expired":
      token = await sign({ expiresInS: -f.agoS, notBeforeS: -f.agoS - 300 });
      break;
    case "not-yet-valid":
      token = await sign({ notBeforeS: f.inS, expiresInS: f.inS + 300 });
      break;
    case "other-url":
      token = await signDelivery({ key: current, url: otherUrl(url, f.how), body: d.body });
      break;
    case "tampered-body":
      token = await sign({ body: f.signedBody === d.body ? `${d.body} ` : f.signedBody });
      break;
    case "alg-none": {
      const now = Math.floor(Date.now() / 1000);
      token = `${b64({ alg: "none", typ: "JWT" })}.${b64({ iss: "Upstash", sub: url, body: bodyHash(d.body), iat: now, nbf: now, exp: now + 300, jti: randomUUID() })}.`;
      break;
    }
    case "bad-claims": {
      const now = Math.floor(Date.now() / 1000);
      token = await new SignJWT({ sub: url, ...f.claims })
        .setProtectedHeader({ alg: "HS256", typ: "JWT" })
        .setIssuer("Upstash")
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + 300)
        .sign(new TextEncoder().encode(current));
      break;
    }
    case "damaged": {
      const genuine = await sign();
      const [h, p, s] = genuine.split(".");
      const i = f.at % (p.length - 1); // never the last character: its low bits may not count
      const char = p[i] === f.char ? (f.char === "A" ? "B" : "A") : f.char;
      token = `${h}.${p.slice(0, i)}${char}${p.slice(i + 1)}.${s}`;
      break;
    }
  }
  return {
    method: d.method,
    path: d.path,
    headers: { ...d.headers, ...(token === undefined ? {} : { "upstash-signature": token }) },
    body: d.body,
    note: `signature: ${f.kind}`,
  };
}

/** Headers QStash adds, and junk around them. */
export const deliveryHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    "content-type": fc.constantFrom("application/json", "text/plain", "application/octet-stream"),
    "upstash-message-id": fc.oneof(fc.constant(`msg_${randomUUID()}`), rawQueryPart),
    "upstash-retried": fc.constantFrom("0", "1", "-1", "NaN", "1e9", ""),
    cookie: junkCookie,
  },
  { requiredKeys: [] },
);
