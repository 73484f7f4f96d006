import { ttl } from "@/lib/redis/keys";

/**
 * Lua fragments of the AI provider's circuit breaker, spliced into the job scripts (see
 * lib/openai/circuit.ts). Each reads the host script's locals by name (times in ms; a number or
 * its decimal string).
 */
export const CIRCUIT_LUA = {
  /**
   * In LEASE_JOB, before the lease is taken. Needs: circuitKey, now, probeMs (the probe window).
   * `onWait` runs before it returns early with {-5, wait ms} (it may use `gate`, the time it
   * opens, ms).
   */
  gate: (onWait = "") => `-- needs: circuitKey, now, probeMs
local circuit = redis.call('HMGET', circuitKey, 'state', 'openUntil', 'probeUntil')
if circuit[1] == 'open' or circuit[1] == 'half_open' then
  local gate = tonumber(circuit[1] == 'open' and circuit[2] or circuit[3]) or 0
  if tonumber(now) < gate then
    ${onWait}return {-5, gate - tonumber(now)}
  end
  local probeUntil = tonumber(now) + tonumber(probeMs)
  redis.call('HSET', circuitKey, 'state', 'half_open', 'probeUntil', probeUntil)
  redis.call('EXPIRE', circuitKey, ${ttl.circuit})
end
`,
  /**
   * In CHECKPOINT_STEP after a step that called the provider: it answered, so the circuit
   * closes. Needs: circuitKey.
   */
  success: `-- needs: circuitKey
local closed = redis.call('HMGET', circuitKey, 'state', 'failures')
if closed[1] ~= 'closed' or closed[2] ~= '0' then
  redis.call('HSET', circuitKey, 'state', 'closed', 'failures', '0')
  redis.call('EXPIRE', circuitKey, ${ttl.circuit})
end
`,
  /**
   * In RECORD_ERROR for a provider fault. Needs: circuitKey, now, circuitThreshold (failures in
   * a row), circuitCooldownMs.
   */
  failure: `-- needs: circuitKey, now, circuitThreshold, circuitCooldownMs
local c = redis.call('HMGET', circuitKey, 'state', 'failures')
local failures = (tonumber(c[2]) or 0) + 1
local opens = c[1] == 'half_open' or (c[1] ~= 'open' and failures >= tonumber(circuitThreshold))
if opens then
  local openUntil = tonumber(now) + tonumber(circuitCooldownMs)
  redis.call('HSET', circuitKey, 'state', 'open', 'failures', failures, 'openedAt', now,
    'openUntil', openUntil)
  redis.call('HINCRBY', circuitKey, 'opens', 1)
elseif c[1] ~= 'open' then
  redis.call('HSET', circuitKey, 'state', 'closed', 'failures', failures)
end
redis.call('EXPIRE', circuitKey, ${ttl.circuit})
`,
};
