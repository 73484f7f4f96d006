import "server-only";
import { Client, Receiver } from "@upstash/qstash";
import { env } from "@/lib/env";

let client: Client | undefined;
let receiver: Receiver | undefined;

/** The QStash publisher, pointed at QSTASH_URL (the local stand-in in development). */
export function qstash(): Client {
  const e = env();
  client ??= new Client({ baseUrl: e.QSTASH_URL, token: e.QSTASH_TOKEN, enableTelemetry: false });
  return client;
}

/** Verifies deliveries with the current signing key, then the next one (key rotation). */
export function qstashReceiver(): Receiver {
  const e = env();
  receiver ??= new Receiver({
    currentSigningKey: e.QSTASH_CURRENT_SIGNING_KEY,
    nextSigningKey: e.QSTASH_NEXT_SIGNING_KEY,
  });
  return receiver;
}

/** The public URL QStash calls for `path`: what we publish to and what the JWT `sub` must equal. */
export function webhookUrl(path: string): string {
  return `${env().APP_BASE_URL}${path}`;
}
