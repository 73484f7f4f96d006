/**
 * Lua scripts of the worker's side of a job — lease, checkpoint, release, finish, revive — one
 * per operation, each atomic and one round trip, contracts first as in lib/jobs/scripts.ts.
 */
import { BUDGET_LUA } from "@/lib/jobs/budget-lua";
import { CIRCUIT_LUA } from "@/lib/openai/circuit-lua";
import { METRICS_LUA } from "@/lib/telemetry/metric-keys";
import { UNPACK_LUA } from "@/lib/redis/lua";
import { defineScript } from "@/lib/redis/script";

/** For scripts that also count ops metrics (lib/telemetry/metric-keys.ts): same round trip. */
const counting = `${UNPACK_LUA}${METRICS_LUA}`;

/** While the circuit holds it back, the job notes until when (`gate`): it is not stranded. */
const noteCircuitWait = "redis.call('HSET', jobKey, 'waitUntil', gate) ";

export const LEASE_JOB = defineScript({
  keys: ["job", "lease", "steps", "minuteMetrics", "hourMetrics", "circuit", "seen"],
  args: ["token", "leaseMs", "now", "messageId", "minuteTtl", "hourTtl", "probeMs", "rememberMs"],
  codes: {
    1: "leased",
    [-1]: "missing",
    [-2]: "ended",
    [-3]: "held",
    [-5]: "circuit_open",
    [-6]: "replayed",
  },
  lua: `--[[ LEASE_JOB: take the job for one worker until the lease deadline, and load its state.
Records the delivery in the steps hash ('@attempt:{n}' = "{now} {message id}") for the ops
timeline; counts deliveries, and the queue wait on the first one. 'leasedAt' = now; a previous
holder that died with the job (its 'leasedAt' still set) adds its run, up to its last write, to
'runMs' (time run under leases: what the job's timeout bounds). While the circuit is open the job
only notes 'waitUntil' (when the circuit may let it through), so it is not taken for stranded;
so does a delivery that finds the lease held (it, or a recheck, comes back after the lease).
Returns {1, {job pairs}, {step pairs}} leased (status running, attempt + 1);
{-1} no such job (expired or never created); {-2, status, message id of its last delivery} the
job already ended; {-3, pttl, attempt, message id} another worker (on that attempt, delivering
that message) holds the lease for pttl more ms; {-5, ms} the provider's circuit is open (or a
probe is under way): try again in ms; {-6} this signed request was seen before (a replay):
nothing is touched. ]]
local jobKey = KEYS[1]
local leaseKey = KEYS[2] -- job:{id}:lease
local stepsKey = KEYS[3] -- job:{id}:steps
local minuteMetricsKey = KEYS[4]
local hourMetricsKey = KEYS[5]
local circuitKey = KEYS[6] -- the AI provider's circuit circuit:openai
local seenKey = KEYS[7] -- the delivery token's id qstash:seen:{jti} ('': none), claimed first
local token = ARGV[1] -- the lease token
local leaseMs = ARGV[2] -- lease length, ms
local now = ARGV[3] -- ms
local messageId = ARGV[4] -- QStash message id
local minuteTtl = ARGV[5] -- s
local hourTtl = ARGV[6] -- s
local probeMs = ARGV[7] -- circuit probe window, ms
local rememberMs = ARGV[8] -- how long the token id is remembered, ms
${counting}if seenKey ~= '' and not redis.call('SET', seenKey, '1', 'NX', 'PX', rememberMs) then
  return {-6}
end
local status = redis.call('HGET', jobKey, 'status')
if not status then return {-1} end
if status == 'succeeded' or status == 'failed' or status == 'canceled' then
  return {-2, status, redis.call('HGET', jobKey, 'messageId') or ''}
end
if redis.call('EXISTS', leaseKey) == 1 then
  local pttl = redis.call('PTTL', leaseKey)
  -- This delivery comes back (or a recheck does) a second after the lease could end: a wait.
  redis.call('HSET', jobKey, 'waitUntil', tonumber(now) + pttl + 1000)
  return {-3, pttl, redis.call('HGET', jobKey, 'attempt'),
    redis.call('HGET', jobKey, 'messageId') or ''}
end
${CIRCUIT_LUA.gate(noteCircuitWait)}redis.call('SET', leaseKey, token, 'PX', leaseMs)
local counts = {'deliveries', 1}
if redis.call('HSETNX', jobKey, 'startedAt', now) == 1 then
  local createdAt = redis.call('HGET', jobKey, 'createdAt') or now
  observe(counts, 'wait', tonumber(now) - tonumber(createdAt))
end
local dead = redis.call('HMGET', jobKey, 'leasedAt', 'updatedAt')
if dead[1] then
  redis.call('HINCRBY', jobKey, 'runMs', math.max(0, (tonumber(dead[2]) or 0) - tonumber(dead[1])))
end
redis.call('HSET', jobKey, 'status', 'running', 'updatedAt', now, 'messageId', messageId,
  'leasedAt', now)
redis.call('HDEL', jobKey, 'waitUntil')
local attempt = redis.call('HINCRBY', jobKey, 'attempt', 1)
redis.call('HINCRBY', jobKey, 'version', 1)
redis.call('HSET', stepsKey, '@attempt:' .. attempt, now .. ' ' .. messageId)
local ttl = redis.call('TTL', jobKey)
if ttl > 0 then redis.call('EXPIRE', stepsKey, ttl) end
bump(counts)
return {1, redis.call('HGETALL', jobKey), redis.call('HGETALL', stepsKey)}
`,
});

export const CHECKPOINT_STEP = defineScript({
  keys: ["job", "steps", "lease", "circuit", "budgetDay", "budgetHour"],
  args: [
    "token",
    "leaseMs",
    "now",
    "stepName",
    "checkpoint",
    "jobTtl",
    "providerOk",
    "billedTokens",
    "budgetVisitor",
    "budgetDayTtl",
    "budgetHourTtl",
  ],
  rest: "fields",
  codes: { 1: "written", [-1]: "lease_lost", [-2]: "ended" },
  lua: `--[[ CHECKPOINT_STEP: record progress, and a finished step's checkpoint, while holding the
lease. Also the partial-output write during streaming (stepName '': no checkpoint).
A checkpoint also records '@at:{step}' = "{now} {attempt}" for the ops timeline. Billed tokens
also add up in the job's 'billed' (cut-off and canceled calls included, unlike its usage).
Returns {1, cancelRequested 0|1}; {-1} the lease is no longer ours (stop, write nothing);
{-2, status} the job ended meanwhile. ]]
local jobKey = KEYS[1]
local stepsKey = KEYS[2]
local leaseKey = KEYS[3]
local circuitKey = KEYS[4] -- the AI provider's circuit circuit:openai
local budgetDayKey = KEYS[5] -- today's token budget budget:day:{date} ('': no budget)
local budgetHourKey = KEYS[6] -- this hour's budget:hour:{hour} ('': no budget)
local token = ARGV[1] -- the lease token
local leaseMs = ARGV[2] -- lease length, ms (renewed)
local now = ARGV[3] -- ms
local stepName = ARGV[4] -- the finished step, or ''
local checkpoint = ARGV[5] -- its checkpoint (JSON)
local jobTtl = ARGV[6] -- s (the steps key follows the job)
local providerOk = ARGV[7] -- '1' when the step got an answer from the AI provider
local billedTokens = ARGV[8] -- tokens billed since the last write (may be negative)
local budgetVisitor = ARGV[9] -- the visitor's budget field
local budgetDayTtl = ARGV[10] -- s
local budgetHourTtl = ARGV[11] -- s
local fieldsAt = 12 -- ARGV[12..]: field, value pairs to set (progress, step, partialOutput…)
-- billedTokens is an estimate while streaming, corrected by the provider's figure at the
-- checkpoint; providerOk closes the provider's circuit.
${UNPACK_LUA}if redis.call('GET', leaseKey) ~= token then return {-1} end
local status = redis.call('HGET', jobKey, 'status')
if status ~= 'running' then return {-2, status or 'missing'} end
if stepName ~= '' then
  local attempt = redis.call('HGET', jobKey, 'attempt') or '0'
  redis.call('HSET', stepsKey, stepName, checkpoint, '@at:' .. stepName, now .. ' ' .. attempt)
  redis.call('EXPIRE', stepsKey, jobTtl)
end
if providerOk == '1' then
${CIRCUIT_LUA.success}end
if tonumber(billedTokens) ~= 0 then redis.call('HINCRBY', jobKey, 'billed', billedTokens) end
${BUDGET_LUA.bill}if #ARGV > fieldsAt then
  redis.call('HSET', jobKey, 'updatedAt', now, unpack(ARGV, fieldsAt))
end
redis.call('HINCRBY', jobKey, 'version', 1)
redis.call('PEXPIRE', leaseKey, leaseMs)
return {1, redis.call('HGET', jobKey, 'cancelRequested') == '1' and 1 or 0}
`,
});

export const RELEASE_LEASE = defineScript({
  keys: ["job", "lease", "minuteMetrics", "hourMetrics"],
  args: ["token", "now", "lastError", "minuteTtl", "hourTtl", "waitUntil"],
  codes: { 1: "released", 0: "not_ours" },
  lua: `--[[ RELEASE_LEASE: give the job back without ending it (a retryable error, or a
continuation message takes over), remembering the last error for the failure callback.
Adds this lease's run to 'runMs'. A release with an error counts as retried; 'waitUntil' (when
QStash delivers it again) keeps the job from being taken for stranded while it waits out a retry
delay. Returns 1 released; 0 the lease was not ours. ]]
local jobKey = KEYS[1]
local leaseKey = KEYS[2]
local minuteMetricsKey = KEYS[3]
local hourMetricsKey = KEYS[4]
local token = ARGV[1] -- the lease token
local now = ARGV[2] -- ms
local lastError = ARGV[3] -- the last error (JSON), or ''
local minuteTtl = ARGV[4] -- s
local hourTtl = ARGV[5] -- s
local waitUntil = ARGV[6] -- when QStash will deliver it again, ms ('': unknown)
${counting}if redis.call('GET', leaseKey) ~= token then return 0 end
redis.call('DEL', leaseKey)
if lastError ~= '' then
  redis.call('HSET', jobKey, 'lastError', lastError)
  bump({'retried', 1})
end
local leasedAt = tonumber(redis.call('HGET', jobKey, 'leasedAt') or '')
if leasedAt then
  redis.call('HINCRBY', jobKey, 'runMs', math.max(0, tonumber(now) - leasedAt))
end
redis.call('HDEL', jobKey, 'leasedAt')
if waitUntil ~= '' then redis.call('HSET', jobKey, 'waitUntil', waitUntil) end
redis.call('HSET', jobKey, 'updatedAt', now)
redis.call('HINCRBY', jobKey, 'version', 1)
return 1
`,
});

export const FINISH_JOB = defineScript({
  keys: ["job", "steps", "lease", "activeJobs", "minuteMetrics", "hourMetrics"],
  args: [
    "token",
    "ending",
    "now",
    "retentionTtl",
    "resultJson",
    "errorJson",
    "jobId",
    "minuteTtl",
    "hourTtl",
    "model",
    "inputUsdPerMTok",
    "outputUsdPerMTok",
    "resultCacheTtl",
    "inputCaused",
  ],
  codes: { 1: "finished", [-1]: "lease_lost", [-2]: "ended", [-3]: "lease_alive", [-4]: "missing" },
  lua: `--[[ FINISH_JOB: end a job — succeeded, failed or canceled — exactly once.
Counts the ending by type, the duration of a success (createdAt → now), tokens and cost (those
in the result, and those billed: cut-off and cancelled calls too); a
failure the person's input caused (lib/telemetry/error-codes.ts) also as inputFailed, which the
success rate leaves out. A success is cached under the job's cacheKey as "{job id} {result}".
Returns {1, status} ended (a success becomes 'canceled' if a cancel was requested first:
no result is written after a cancel is acknowledged); {-1} the lease is not ours;
{-2, status} already ended; {-3} no token given but a worker's lease is alive; {-4} no such job. ]]
local jobKey = KEYS[1]
local stepsKey = KEYS[2]
local leaseKey = KEYS[3]
local activeJobsKey = KEYS[4] -- ops: live jobs jobs:active
local minuteMetricsKey = KEYS[5]
local hourMetricsKey = KEYS[6]
local token = ARGV[1] -- the lease token, or '' (failure callback, timeout sweep: no lease)
local ending = ARGV[2] -- succeeded, failed or canceled
local now = ARGV[3] -- ms
local retentionTtl = ARGV[4] -- s
local resultJson = ARGV[5] -- the result, or ''
local errorJson = ARGV[6] -- the error, or ''
local jobId = ARGV[7]
local minuteTtl = ARGV[8] -- s
local hourTtl = ARGV[9] -- s
local model = ARGV[10]
local inputUsdPerMTok = tonumber(ARGV[11]) -- USD per 1M input tokens
local outputUsdPerMTok = tonumber(ARGV[12]) -- USD per 1M output tokens
local resultCacheTtl = ARGV[13] -- s (0: no cache)
local inputCaused = ARGV[14] -- '1' when a failure was caused by the person's input
${counting}local status = redis.call('HGET', jobKey, 'status')
if not status then return {-4} end
if status == 'succeeded' or status == 'failed' or status == 'canceled' then return {-2, status} end
local holder = redis.call('GET', leaseKey)
if token ~= '' and holder ~= token then return {-1} end
if token == '' and holder then return {-3} end
local final = ending
if final == 'succeeded' and redis.call('HGET', jobKey, 'cancelRequested') == '1' then
  final = 'canceled'
end
-- The last lease's run counts: to now for the holder, to its last write for one that died.
local run = redis.call('HMGET', jobKey, 'leasedAt', 'updatedAt')
if run[1] then
  local stop = token ~= '' and tonumber(now) or (tonumber(run[2]) or 0)
  redis.call('HINCRBY', jobKey, 'runMs', math.max(0, stop - tonumber(run[1])))
end
-- An ended job has no model call in flight: a person's retry must not resume its last one.
redis.call('HDEL', jobKey, 'leasedAt', 'waitUntil', 'modelCall')
redis.call('HSET', jobKey, 'status', final, 'finishedAt', now, 'updatedAt', now, 'etaMs', '0')
if final == 'succeeded' then
  redis.call('HSET', jobKey, 'result', resultJson, 'progress', '100', 'partialOutput', '')
  local cacheKey = redis.call('HGET', jobKey, 'cacheKey')
  if cacheKey and cacheKey ~= '' and tonumber(resultCacheTtl) > 0 then
    redis.call('SET', cacheKey, jobId .. ' ' .. resultJson, 'EX', resultCacheTtl)
  end
elseif final == 'failed' then
  redis.call('HSET', jobKey, 'error', errorJson)
end
redis.call('HINCRBY', jobKey, 'version', 1)
redis.call('DEL', leaseKey)
redis.call('EXPIRE', jobKey, retentionTtl)
redis.call('EXPIRE', stepsKey, retentionTtl)
if final ~= 'succeeded' then
  local dedupe = redis.call('HGET', jobKey, 'dedupeKey')
  if dedupe and redis.call('GET', dedupe) == jobId then redis.call('DEL', dedupe) end
end
redis.call('ZREM', activeJobsKey, jobId)
local v = redis.call('HMGET', jobKey, 'analysisType', 'createdAt', 'usageIn', 'usageOut', 'billed')
local tin, tout = tonumber(v[3] or '0') or 0, tonumber(v[4] or '0') or 0
local billed = tonumber(v[5] or '0') or 0
local counts = {final .. ':' .. v[1], 1}
if final == 'failed' and inputCaused == '1' then
  table.insert(counts, 'inputFailed'); table.insert(counts, 1)
end
if final == 'succeeded' then observe(counts, 'dur:' .. v[1], tonumber(now) - tonumber(v[2])) end
if tin + tout > 0 or billed > 0 then
  local used = tin * inputUsdPerMTok + tout * outputUsdPerMTok
  -- Billed beyond the result (calls cut off, cancelled, asked again): priced as input, a floor.
  local extra = math.max(0, billed - tin - tout) * inputUsdPerMTok
  local usage = {'tokIn:' .. model, tin, 'tokOut:' .. model, tout,
    'cost:' .. model, math.floor(used + 0.5),
    'billed:' .. model, billed, 'billedCost:' .. model, math.floor(used + extra + 0.5)}
  for _, f in ipairs(usage) do table.insert(counts, f) end
end
bump(counts)
return {1, final}
`,
});

export const REVIVE_JOB = defineScript({
  keys: ["job", "lease", "steps"],
  args: ["now", "staleMs", "why", "maxAgeMs", "timeoutMs"],
  codes: {
    1: "revived",
    [-1]: "missing",
    [-2]: "ended",
    [-3]: "held",
    [-4]: "not_stale",
    [-5]: "over_bound",
  },
  lua: `--[[ REVIVE_JOB: a job with work left that nothing is moving (no live lease, no sign of
life past any wait it announced) is noted as revived, so that the caller publishes it again.
Records '@revive:{n}' = "{now} {why}" in the steps hash and 'waitUntil' = now (the next revival
needs another stale bound). The last sign of life is the later of 'updatedAt' and 'waitUntil';
a holder that died counts its run up to its last write.
Returns {1, n} revived for the n-th time (the dedup seq of its new message); {-1} no such job;
{-2, status} it ended; {-3, pttl} a worker holds the lease; {-4, ms} not stale for ms more;
{-5, 'max_age' | 'timeout', ms} it is over that bound (its age, or its run): fail it. ]]
local jobKey = KEYS[1]
local leaseKey = KEYS[2]
local stepsKey = KEYS[3]
local now = ARGV[1] -- ms
local staleMs = tonumber(ARGV[2]) -- quiet for this long is stale, ms (0: QStash gave up on it)
local why = ARGV[3] -- recorded
local maxAgeMs = tonumber(ARGV[4]) -- since 'enqueuedAt'
local timeoutMs = tonumber(ARGV[5]) -- of its run under leases
local v = redis.call('HMGET', jobKey, 'status', 'updatedAt', 'waitUntil', 'enqueuedAt',
  'createdAt', 'runMs', 'leasedAt')
if not v[1] then return {-1} end
if v[1] ~= 'queued' and v[1] ~= 'running' then return {-2, v[1]} end
if redis.call('EXISTS', leaseKey) == 1 then return {-3, redis.call('PTTL', leaseKey)} end
local nowMs = tonumber(now)
local lastSign = math.max(tonumber(v[2]) or 0, tonumber(v[3]) or 0)
local quietFor = nowMs - lastSign
if quietFor < staleMs then return {-4, staleMs - quietFor} end
local age = nowMs - (tonumber(v[4]) or tonumber(v[5]) or nowMs)
if age > maxAgeMs then return {-5, 'max_age', age} end
local lastRun = v[7] and math.max(0, (tonumber(v[2]) or 0) - tonumber(v[7])) or 0
local run = (tonumber(v[6]) or 0) + lastRun
if run > timeoutMs then return {-5, 'timeout', run} end
local n = redis.call('HINCRBY', jobKey, 'revives', 1)
redis.call('HSET', jobKey, 'waitUntil', now)
redis.call('HSET', stepsKey, '@revive:' .. n, now .. ' ' .. why)
local ttl = redis.call('TTL', jobKey)
if ttl > 0 then redis.call('EXPIRE', stepsKey, ttl) end
return {1, n}
`,
});
