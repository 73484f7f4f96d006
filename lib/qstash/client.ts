import "server-only";
import { Client, Receiver } from "@upstash/qstash";
import { env } from "@/lib/env";

let client: Client | undefined;
let receiver: Receiver | undefined;

/** The QStash publisher, pointed at QSTASH_URL (the local stand-in in development). */
export function qstash(): Client {
  const e = env();
  // devMode: false — the SDK would otherwise swap in its public dev server, token and signing
  // keys whenever an environment sets QSTASH_DEV, whatever this app was configured with.
  client ??= new Client({
    baseUrl: e.QSTASH_URL,
    token: e.QSTASH_TOKEN,
    enableTelemetry: false,
    devMode: false,
  });
  return client;
}

/**
 * Verifies deliveries with the current signing key, then the next one (key rotation) — only
 * those: pinned with devMode: false, so QSTASH_DEV in some environment cannot make it accept the
 * public keys of QStash's dev server.
 */
export function qstashReceiver(): Receiver {
  const e = env();
  receiver ??= new Receiver({
    currentSigningKey: e.QSTASH_CURRENT_SIGNING_KEY,
    nextSigningKey: e.QSTASH_NEXT_SIGNING_KEY,
    devMode: false,
  });
  return receiver;
}

/** The public URL QStash calls for `path`: what we publish to and what the JWT `sub` must equal. */
export function webhookUrl(path: string): string {
  return `${env().APP_BASE_URL}${path}`;
}
