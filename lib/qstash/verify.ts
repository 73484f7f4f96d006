import "server-only";
import { SignatureError } from "@upstash/qstash";
import { readText } from "@/lib/http/parse";
import { qstashReceiver, webhookUrl } from "@/lib/qstash/client";

/** The largest delivery accepted, in bytes (QStash's own message limit is 1 MB on most plans; ours are tiny). */
const MAX_DELIVERY_BYTES = 1024 * 1024;

/**
 * What a QStash delivery carries besides its body. `signature`: the verified token's unique id
 * (jti) and when it expires (ms): remembered until then, so one signed request cannot be
 * replayed (lib/qstash/replay.ts). Message id and retry count are unsigned headers: informative.
 */
export type Delivery = {
  body: string;
  messageId: string | null;
  retried: number;
  signature: SignatureId | null;
};
export type SignatureId = { id: string; expiresAt: number };

export type VerifyResult = { ok: true; delivery: Delivery } | { ok: false; reason: string };

/**
 * Verifies `Upstash-Signature` on the raw body against the public URL QStash was told to call
 * (`path` under APP_BASE_URL, not the Host header, so it holds behind proxies and tunnels).
 * The body is read here, as text, before anyone parses it: re-serialized JSON would not match
 * the signed hash. Receiver tries the current key, then the next one.
 */
export async function verifyDelivery(req: Request, path: string): Promise<VerifyResult> {
  const signature = req.headers.get("upstash-signature");
  if (!signature) return { ok: false, reason: "missing Upstash-Signature header" };
  // Capped: a forged request cannot make us read an unbounded body before it is rejected.
  const body = await readText(req, MAX_DELIVERY_BYTES, true);
  try {
    await qstashReceiver().verify({ signature, body, url: webhookUrl(path) });
  } catch (error) {
    if (error instanceof SignatureError) return { ok: false, reason: error.message };
    // jose and Receiver throw other errors for malformed tokens; all mean "not from QStash".
    return { ok: false, reason: error instanceof Error ? error.message : "invalid signature" };
  }
  return {
    ok: true,
    delivery: {
      body,
      messageId: req.headers.get("upstash-message-id"),
      retried: Number(req.headers.get("upstash-retried") ?? "0") || 0,
      signature: signatureId(signature),
    },
  };
}

/** The jti and exp of a token that has just been verified (so its payload can be trusted as read). */
function signatureId(token: string): SignatureId | null {
  try {
    const claims = JSON.parse(
      Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8"),
    ) as { jti?: unknown; exp?: unknown };
    if (
      typeof claims.jti !== "string" ||
      !/^[\w.-]{1,128}$/.test(claims.jti) ||
      typeof claims.exp !== "number"
    )
      return null;
    return { id: claims.jti, expiresAt: claims.exp * 1000 };
  } catch {
    return null;
  }
}

/** A verified body as JSON, or null when it is not JSON (the caller answers that as non-retryable). */
export function parseBody(delivery: Delivery): unknown {
  try {
    return JSON.parse(delivery.body);
  } catch {
    return null;
  }
}
