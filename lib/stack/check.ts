import "server-only";
import { nanoid } from "nanoid";
import { usesOpenAISimulator } from "@/lib/env";
import { openai } from "@/lib/openai/client";
import { qstash, webhookUrl } from "@/lib/qstash/client";
import { keys, ttl } from "@/lib/redis/keys";
import { redis } from "@/lib/redis/client";

export const STACK_ECHO_PATH = "/api/stack/echo";

export type ServiceCheck = { ok: boolean; ms: number; detail?: string };
export type StackCheck = {
  ok: boolean;
  redis: ServiceCheck;
  qstash: ServiceCheck & { messageId?: string };
  openai: ServiceCheck & { simulator: boolean };
};

/** How long to wait for the signed delivery to come back, in ms. */
const ECHO_WAIT_MS = 8_000;

/**
 * Proves the stack end to end through the official SDKs: a Redis write with TTL, a QStash
 * publish that comes back to /api/stack/echo as a signed delivery (which marks the key), and
 * an OpenAI model listing. Each part is timed; a failure is reported, not thrown.
 */
export async function checkStack(): Promise<StackCheck> {
  const nonce = nanoid();
  const key = keys.stackCheck(nonce);
  const redisCheck = await timed(() => redis().set(key, "pending", { ex: ttl.stackCheck }));
  let qstashCheck: StackCheck["qstash"] = { ok: false, ms: 0, detail: "skipped: Redis is down" };
  if (redisCheck.ok) {
    qstashCheck = await timed(async () => {
      const { messageId } = await qstash().publishJSON({
        url: webhookUrl(STACK_ECHO_PATH),
        body: { nonce },
        retries: 0,
        label: "stack-check",
      });
      const value = await waitFor(async () => {
        const v = await redis().get<string>(key);
        return v?.startsWith("delivered") ? v : null;
      }, ECHO_WAIT_MS);
      if (!value)
        throw new Error(
          `no signed delivery came back within ${ECHO_WAIT_MS} ms (is APP_BASE_URL reachable from QStash?)`,
        );
      return messageId;
    }).then((r) => ({ ...r, messageId: r.value }));
  }
  const openaiCheck = await timed(() => openai().models.list());
  const result: StackCheck = {
    ok: redisCheck.ok && qstashCheck.ok && openaiCheck.ok,
    redis: strip(redisCheck),
    qstash: { ...strip(qstashCheck), messageId: qstashCheck.messageId },
    openai: { ...strip(openaiCheck), simulator: usesOpenAISimulator() },
  };
  return result;
}

/** Called by the echo route once the delivery's signature is verified. */
export async function recordEcho(nonce: string, messageId: string | null): Promise<boolean> {
  // XX: only a check that is still waiting is marked, so a stray delivery creates no key.
  const done = await redis().set(keys.stackCheck(nonce), `delivered:${messageId ?? "?"}`, {
    xx: true,
    ex: ttl.stackCheck,
  });
  return done === "OK";
}

async function timed<T>(fn: () => Promise<T>): Promise<ServiceCheck & { value?: T }> {
  const started = performance.now();
  try {
    const value = await fn();
    return { ok: true, ms: Math.round(performance.now() - started), value };
  } catch (error) {
    return {
      ok: false,
      ms: Math.round(performance.now() - started),
      detail: error instanceof Error ? error.message : String(error),
    };
  }
}

function strip({ ok, ms, detail }: ServiceCheck): ServiceCheck {
  return detail ? { ok, ms, detail } : { ok, ms };
}

async function waitFor<T>(probe: () => Promise<T | null>, timeoutMs: number): Promise<T | null> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 20; Date.now() < deadline; delay = Math.min(delay * 2, 250)) {
    const value = await probe();
    if (value !== null) return value;
    await new Promise((r) => setTimeout(r, delay));
  }
  return null;
}
