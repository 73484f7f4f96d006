import { ttl } from "@/lib/redis/keys";

/** Lua fragments of the AI provider's circuit breaker, spliced into the job scripts (see lib/openai/circuit.ts). */
export const CIRCUIT_LUA = {
  /**
   * In LEASE_JOB, before the lease is taken. Needs: circuit key, now, probe window (ms); `onWait`
   * runs before it returns early with {-5, wait ms} (it may use `gate`, the time it opens, ms).
   */
  gate: (key: string, now: string, probeMs: string, onWait = "") => `local circuit = redis.call('HMGET', ${key}, 'state', 'openUntil', 'probeUntil')
if circuit[1] == 'open' or circuit[1] == 'half_open' then
  local gate = tonumber(circuit[1] == 'open' and circuit[2] or circuit[3]) or 0
  if tonumber(${now}) < gate then
    ${onWait}return {-5, gate - tonumber(${now})}
  end
  redis.call('HSET', ${key}, 'state', 'half_open', 'probeUntil', tonumber(${now}) + tonumber(${probeMs}))
  redis.call('EXPIRE', ${key}, ${ttl.circuit})
end
`,
  /** In CHECKPOINT_STEP after a step that called the provider: it answered, so the circuit closes. */
  success: (key: string) => `if redis.call('HGET', ${key}, 'state') ~= 'closed' or redis.call('HGET', ${key}, 'failures') ~= '0' then
  redis.call('HSET', ${key}, 'state', 'closed', 'failures', '0')
  redis.call('EXPIRE', ${key}, ${ttl.circuit})
end
`,
  /** In RECORD_ERROR for a provider fault. Needs: circuit key, now, threshold, cooldown ms. */
  failure: (key: string, now: string, threshold: string, cooldownMs: string) => `local c = redis.call('HMGET', ${key}, 'state', 'failures')
local failures = (tonumber(c[2]) or 0) + 1
if c[1] == 'half_open' or (c[1] ~= 'open' and failures >= tonumber(${threshold})) then
  redis.call('HSET', ${key}, 'state', 'open', 'failures', failures, 'openedAt', ${now}, 'openUntil', tonumber(${now}) + tonumber(${cooldownMs}))
  redis.call('HINCRBY', ${key}, 'opens', 1)
elseif c[1] ~= 'open' then
  redis.call('HSET', ${key}, 'state', 'closed', 'failures', failures)
end
redis.call('EXPIRE', ${key}, ${ttl.circuit})
`,
};

