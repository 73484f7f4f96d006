import "server-only";
import { redis } from "@/lib/redis/client";

type Script = ReturnType<ReturnType<typeof redis>["createScript"]>;
const scripts = new Map<string, Script>();

/**
 * Runs a Lua script through @upstash/redis's script helper: EVALSHA, falling back to EVAL (which
 * loads it) on NOSCRIPT. One round trip, billed by Upstash as one command however many Redis
 * calls the script makes.
 */
export function runScript(source: string, keyList: string[], args: Array<string | number>): Promise<unknown> {
  let script = scripts.get(source);
  if (!script) scripts.set(source, (script = redis().createScript(source)));
  return script.exec(keyList, args.map(String));
}

/** Redis returns a hash as [field, value, field, value, …] inside Lua results. */
export function pairsToRecord(pairs: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(pairs)) return out;
  for (let i = 0; i + 1 < pairs.length; i += 2) out[String(pairs[i])] = String(pairs[i + 1]);
  return out;
}
