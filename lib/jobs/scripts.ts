/**
 * Lua scripts for every multi-key change to a job, one per operation, each atomic and one round
 * trip (run through @upstash/redis `createScript`: EVALSHA, EVAL on NOSCRIPT). Each opens with
 * its contract. Negative return codes are expected outcomes, mapped to values in store.ts.
 *
 * Scripts also read keys they find inside the job hash (`dedupeKey`) or build from a prefix:
 * Upstash Redis is a single shard, and the names come from the one key builder.
 */
import { BUDGET_LUA } from "@/lib/jobs/budget-lua";
import { CIRCUIT_LUA } from "@/lib/openai/circuit-lua";
import { METRICS_LUA } from "@/lib/telemetry/metric-keys";

// Lua 5.1 (Redis) has a global unpack; 5.3 engines (the in-process fallback) have table.unpack.
const prelude = `local unpack = unpack or table.unpack
`;
/** For scripts that also count ops metrics (lib/telemetry/metric-keys.ts): same round trip, no extra command. */
const counting = `${prelude}${METRICS_LUA}`;

export const CREATE_JOB = `--[[ CREATE_JOB: create a job unless its identity already has a live one.
KEYS[1] dedupe key  job:byIdentity:{type}:{identityHash}
KEYS[2] job key     job:{id}
KEYS[3] owner index jobs:owner:{owner}
KEYS[4] ops: live jobs jobs:active   KEYS[5] ops: all recent jobs jobs:recent
KEYS[6] minute metrics  KEYS[7] hour metrics  KEYS[8] result cache cache:result:{type}:{hash} ('' key: no cache)
KEYS[9] today's token budget budget:day:{YYYY-MM-DD} ('' key: no budget)
ARGV[1] new job id           ARGV[2] job key prefix (to read the job KEYS[1] points at)
ARGV[3] dedupe TTL, s        ARGV[4] job TTL until it ends, s
ARGV[5] owner index TTL, s   ARGV[6] owner index max length
ARGV[7] createdAt, ms        ARGV[8] analysis type
ARGV[9] minute metrics TTL, s  ARGV[10] hour metrics TTL, s  ARGV[11] recent-jobs window, s
ARGV[12] daily token budget, all visitors (0: none)  ARGV[13] per visitor (0: none)  ARGV[14] the visitor's budget field
ARGV[15..] field, value pairs of the new job hash
Returns {1, id} created, or {0, id, {hash pairs}}: a queued/running/succeeded job already has
this identity (a failed or canceled one does not block a new start), or {2, id, {hash pairs}}:
the result cache held this analysis, and the job was created already succeeded with it, or
{-1, 'total' | 'visitor', tokens}: today's budget is spent and it would be new work (nothing written).
Counts started / deduplicated / cacheHits. ]]
${counting}local existing = redis.call('GET', KEYS[1])
if existing then
  local fields = redis.call('HGETALL', ARGV[2] .. existing)
  for i = 1, #fields, 2 do
    if fields[i] == 'status' and (fields[i + 1] == 'queued' or fields[i + 1] == 'running' or fields[i + 1] == 'succeeded') then
      bump(KEYS[6], KEYS[7], ARGV[9], ARGV[10], {'deduplicated', 1})
      return {0, existing, fields}
    end
  end
end
local cached = KEYS[8] ~= '' and redis.call('GET', KEYS[8])
if not cached then
${BUDGET_LUA.refuse(-1, "KEYS[9]", "ARGV[12]", "ARGV[13]", "ARGV[14]")}end
redis.call('HSET', KEYS[2], unpack(ARGV, 15))
redis.call('EXPIRE', KEYS[2], ARGV[4])
if cached then
  local source = string.match(cached, '^([^ ]*) ')
  redis.call('HSET', KEYS[2], 'status', 'succeeded', 'result', string.sub(cached, #source + 2), 'cachedFrom', source,
    'progress', '100', 'startedAt', ARGV[7], 'finishedAt', ARGV[7], 'etaMs', '0')
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[7], ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -(tonumber(ARGV[6]) + 1))
redis.call('EXPIRE', KEYS[3], ARGV[5])
-- Ops indexes: members whose job expired without ending age out by score.
if not cached then
  redis.call('ZADD', KEYS[4], ARGV[7], ARGV[1])
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', tonumber(ARGV[7]) - tonumber(ARGV[4]) * 1000)
  redis.call('EXPIRE', KEYS[4], ARGV[4])
end
redis.call('ZADD', KEYS[5], ARGV[7], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', tonumber(ARGV[7]) - tonumber(ARGV[11]) * 1000)
redis.call('ZREMRANGEBYRANK', KEYS[5], 0, -10001)
redis.call('EXPIRE', KEYS[5], ARGV[11])
if cached then
  bump(KEYS[6], KEYS[7], ARGV[9], ARGV[10], {'started', 1, 'started:' .. ARGV[8], 1, 'cacheHits', 1, 'succeeded:' .. ARGV[8], 1})
  return {2, ARGV[1], redis.call('HGETALL', KEYS[2])}
end
bump(KEYS[6], KEYS[7], ARGV[9], ARGV[10], {'started', 1, 'started:' .. ARGV[8], 1})
return {1, ARGV[1]}
`;

export const LEASE_JOB = `--[[ LEASE_JOB: take the job for one worker until the lease deadline, and load its state.
KEYS[1] job key  KEYS[2] lease key job:{id}:lease  KEYS[3] steps key job:{id}:steps
KEYS[4] minute metrics  KEYS[5] hour metrics  KEYS[6] the AI provider's circuit circuit:openai
KEYS[7] the delivery token's id qstash:seen:{jti} ('' none): claimed first, a replay is refused
ARGV[1] lease token  ARGV[2] lease length, ms  ARGV[3] now, ms  ARGV[4] QStash message id
ARGV[5] minute metrics TTL, s  ARGV[6] hour metrics TTL, s  ARGV[7] circuit probe window, ms
ARGV[8] how long the token id is remembered, ms
Records the delivery in the steps hash ('@attempt:{n}' = "{now} {message id}") for the ops
timeline; counts deliveries, and the queue wait on the first one. 'leasedAt' = now; a previous
holder that died with the job (its 'leasedAt' still set) adds its run, up to its last write, to
'runMs' (time run under leases: what the job's timeout bounds). While the circuit is open the job
only notes 'waitUntil' (when the circuit may let it through), so it is not taken for stranded;
so does a delivery that finds the lease held (it, or a recheck, comes back after the lease).
Returns {1, {job pairs}, {step pairs}} leased (status running, attempt + 1);
{-1} no such job (expired or never created); {-2, status, message id of its last delivery} the job already ended;
{-3, pttl, attempt, message id} another worker (on that attempt, delivering that message) holds the lease for pttl more ms;
{-5, ms} the provider's circuit is open (or a probe is under way): try again in ms;
{-6} this signed request was seen before (a replay): nothing is touched. ]]
${counting}if KEYS[7] ~= '' and not redis.call('SET', KEYS[7], '1', 'NX', 'PX', ARGV[8]) then return {-6} end
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {-1} end
if status == 'succeeded' or status == 'failed' or status == 'canceled' then return {-2, status, redis.call('HGET', KEYS[1], 'messageId') or ''} end
if redis.call('EXISTS', KEYS[2]) == 1 then
  local pttl = redis.call('PTTL', KEYS[2])
  -- This delivery comes back (or a recheck does) a second after the lease could end: a wait.
  redis.call('HSET', KEYS[1], 'waitUntil', tonumber(ARGV[3]) + pttl + 1000)
  return {-3, pttl, redis.call('HGET', KEYS[1], 'attempt'), redis.call('HGET', KEYS[1], 'messageId') or ''}
end
${CIRCUIT_LUA.gate("KEYS[6]", "ARGV[3]", "ARGV[7]", "redis.call('HSET', KEYS[1], 'waitUntil', gate) ")}redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
local counts = {'deliveries', 1}
if redis.call('HSETNX', KEYS[1], 'startedAt', ARGV[3]) == 1 then
  observe(counts, 'wait', tonumber(ARGV[3]) - tonumber(redis.call('HGET', KEYS[1], 'createdAt') or ARGV[3]))
end
local dead = redis.call('HMGET', KEYS[1], 'leasedAt', 'updatedAt')
if dead[1] then
  redis.call('HINCRBY', KEYS[1], 'runMs', math.max(0, (tonumber(dead[2]) or 0) - tonumber(dead[1])))
end
redis.call('HSET', KEYS[1], 'status', 'running', 'updatedAt', ARGV[3], 'messageId', ARGV[4], 'leasedAt', ARGV[3])
redis.call('HDEL', KEYS[1], 'waitUntil')
local attempt = redis.call('HINCRBY', KEYS[1], 'attempt', 1)
redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[3], '@attempt:' .. attempt, ARGV[3] .. ' ' .. ARGV[4])
local ttl = redis.call('TTL', KEYS[1])
if ttl > 0 then redis.call('EXPIRE', KEYS[3], ttl) end
bump(KEYS[4], KEYS[5], ARGV[5], ARGV[6], counts)
return {1, redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[3])}
`;

export const CHECKPOINT_STEP = `--[[ CHECKPOINT_STEP: record progress, and a finished step's checkpoint, while holding the lease.
Also the partial-output write during streaming (ARGV[4] empty: no checkpoint).
KEYS[1] job key  KEYS[2] steps key  KEYS[3] lease key  KEYS[4] the AI provider's circuit circuit:openai
KEYS[5] today's token budget budget:day:{date}  KEYS[6] this hour's budget:hour:{hour} ('' keys: no budget)
ARGV[1] lease token  ARGV[2] lease length, ms (renewed)  ARGV[3] now, ms
ARGV[4] step name or ''  ARGV[5] checkpoint JSON  ARGV[6] job TTL, s (steps key follows the job)
ARGV[7] '1' when the step got an answer from the AI provider (closes its circuit)
ARGV[8] tokens billed since the last write (an estimate while streaming, corrected by the
provider's figure at the checkpoint; may be negative)  ARGV[9] the visitor's budget field
ARGV[10] day budget TTL, s  ARGV[11] hour budget TTL, s
ARGV[12..] field, value pairs to set on the job (progress, step, etaMs, partialOutput, usage…)
A checkpoint also records '@at:{step}' = "{now} {attempt}" for the ops timeline. Billed tokens
also add up in the job's 'billed' (cut-off and canceled calls included, unlike its usage).
Returns {1, cancelRequested 0|1}; {-1} the lease is no longer ours (stop, write nothing);
{-2, status} the job ended meanwhile. ]]
${prelude}if redis.call('GET', KEYS[3]) ~= ARGV[1] then return {-1} end
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'running' then return {-2, status or 'missing'} end
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[2], ARGV[4], ARGV[5], '@at:' .. ARGV[4], ARGV[3] .. ' ' .. (redis.call('HGET', KEYS[1], 'attempt') or '0'))
  redis.call('EXPIRE', KEYS[2], ARGV[6])
end
if ARGV[7] == '1' then
${CIRCUIT_LUA.success("KEYS[4]")}end
if tonumber(ARGV[8]) ~= 0 then redis.call('HINCRBY', KEYS[1], 'billed', ARGV[8]) end
${BUDGET_LUA.bill("KEYS[5]", "KEYS[6]", "ARGV[8]", "ARGV[9]", "ARGV[10]", "ARGV[11]")}if #ARGV >= 13 then redis.call('HSET', KEYS[1], 'updatedAt', ARGV[3], unpack(ARGV, 12)) end
redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('PEXPIRE', KEYS[3], ARGV[2])
return {1, redis.call('HGET', KEYS[1], 'cancelRequested') == '1' and 1 or 0}
`;

export const RELEASE_LEASE = `--[[ RELEASE_LEASE: give the job back without ending it (a retryable error, or a continuation
message takes over), remembering the last error for the failure callback.
KEYS[1] job key  KEYS[2] lease key  KEYS[3] minute metrics  KEYS[4] hour metrics
ARGV[1] lease token  ARGV[2] now, ms  ARGV[3] last error JSON or ''
ARGV[4] minute metrics TTL, s  ARGV[5] hour metrics TTL, s
ARGV[6] when QStash will deliver it again, ms ('' unknown): noted as 'waitUntil', so the job is
not taken for stranded while it waits out a retry delay
Adds this lease's run to 'runMs'. Returns 1 released; 0 the lease was not ours. A release with
an error counts as retried. ]]
${counting}if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[2])
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[1], 'lastError', ARGV[3])
  bump(KEYS[3], KEYS[4], ARGV[4], ARGV[5], {'retried', 1})
end
local leasedAt = tonumber(redis.call('HGET', KEYS[1], 'leasedAt') or '')
if leasedAt then redis.call('HINCRBY', KEYS[1], 'runMs', math.max(0, tonumber(ARGV[2]) - leasedAt)) end
redis.call('HDEL', KEYS[1], 'leasedAt')
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'waitUntil', ARGV[6]) end
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'version', 1)
return 1
`;

export const FINISH_JOB = `--[[ FINISH_JOB: end a job — succeeded, failed or canceled — exactly once.
KEYS[1] job key  KEYS[2] steps key  KEYS[3] lease key  KEYS[4] ops: live jobs jobs:active
KEYS[5] minute metrics  KEYS[6] hour metrics
ARGV[1] lease token, or '' when the caller holds no lease (failure callback, timeout sweep)
ARGV[2] status  ARGV[3] now, ms  ARGV[4] retention TTL, s  ARGV[5] result JSON or ''
ARGV[6] error JSON or ''  ARGV[7] job id
ARGV[8] minute metrics TTL, s  ARGV[9] hour metrics TTL, s
ARGV[10] model  ARGV[11] USD per 1M input tokens  ARGV[12] USD per 1M output tokens
ARGV[13] result cache TTL, s (a success is stored under the job's cacheKey as "{job id} {result JSON}"; 0: off)
ARGV[14] '1' when a failure was caused by the person's input (lib/telemetry/error-codes.ts): also
counted as inputFailed, which the success rate leaves out
Counts the ending by type, the duration of a success (createdAt → now), tokens and cost.
Returns {1, status} ended (a success becomes 'canceled' if a cancel was requested first:
no result is written after a cancel is acknowledged); {-1} the lease is not ours;
{-2, status} already ended; {-3} no token given but a worker's lease is alive; {-4} no such job. ]]
${counting}local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {-4} end
if status == 'succeeded' or status == 'failed' or status == 'canceled' then return {-2, status} end
local holder = redis.call('GET', KEYS[3])
if ARGV[1] ~= '' and holder ~= ARGV[1] then return {-1} end
if ARGV[1] == '' and holder then return {-3} end
local final = ARGV[2]
if final == 'succeeded' and redis.call('HGET', KEYS[1], 'cancelRequested') == '1' then final = 'canceled' end
-- The last lease's run counts: to now for the holder, to its last write for one that died.
local run = redis.call('HMGET', KEYS[1], 'leasedAt', 'updatedAt')
if run[1] then
  local stop = ARGV[1] ~= '' and tonumber(ARGV[3]) or (tonumber(run[2]) or 0)
  redis.call('HINCRBY', KEYS[1], 'runMs', math.max(0, stop - tonumber(run[1])))
end
redis.call('HDEL', KEYS[1], 'leasedAt', 'waitUntil')
redis.call('HSET', KEYS[1], 'status', final, 'finishedAt', ARGV[3], 'updatedAt', ARGV[3], 'etaMs', '0')
if final == 'succeeded' then
  redis.call('HSET', KEYS[1], 'result', ARGV[5], 'progress', '100', 'partialOutput', '')
  local cacheKey = redis.call('HGET', KEYS[1], 'cacheKey')
  if cacheKey and cacheKey ~= '' and tonumber(ARGV[13]) > 0 then redis.call('SET', cacheKey, ARGV[7] .. ' ' .. ARGV[5], 'EX', ARGV[13]) end
elseif final == 'failed' then
  redis.call('HSET', KEYS[1], 'error', ARGV[6])
end
redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('DEL', KEYS[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
if final ~= 'succeeded' then
  local dedupe = redis.call('HGET', KEYS[1], 'dedupeKey')
  if dedupe and redis.call('GET', dedupe) == ARGV[7] then redis.call('DEL', dedupe) end
end
redis.call('ZREM', KEYS[4], ARGV[7])
local v = redis.call('HMGET', KEYS[1], 'analysisType', 'createdAt', 'usageIn', 'usageOut')
local tin, tout = tonumber(v[3] or '0') or 0, tonumber(v[4] or '0') or 0
local counts = {final .. ':' .. v[1], 1}
if final == 'failed' and ARGV[14] == '1' then table.insert(counts, 'inputFailed'); table.insert(counts, 1) end
if final == 'succeeded' then observe(counts, 'dur:' .. v[1], tonumber(ARGV[3]) - tonumber(v[2])) end
if tin + tout > 0 then
  local cost = math.floor(tin * tonumber(ARGV[11]) + tout * tonumber(ARGV[12]) + 0.5)
  for _, f in ipairs({'tokIn:' .. ARGV[10], tin, 'tokOut:' .. ARGV[10], tout, 'cost:' .. ARGV[10], cost}) do table.insert(counts, f) end
end
bump(KEYS[5], KEYS[6], ARGV[8], ARGV[9], counts)
return {1, final}
`;

export const REQUEST_CANCEL = `--[[ REQUEST_CANCEL: a person asks to stop a job.
KEYS[1] job key  KEYS[2] steps key  KEYS[3] ops: live jobs jobs:active
KEYS[4] minute metrics  KEYS[5] hour metrics
ARGV[1] owner  ARGV[2] now, ms  ARGV[3] retention TTL, s  ARGV[4] job id
ARGV[5] minute metrics TTL, s  ARGV[6] hour metrics TTL, s
Returns {-1} no such job for this owner; {0, status} it already ended (no-op);
{1} it was queued and is now canceled; {2} it is running: the flag is set and the worker stops
at its next write. ]]
${counting}if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return {-1} end
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'succeeded' or status == 'failed' or status == 'canceled' then return {0, status} end
redis.call('HSET', KEYS[1], 'cancelRequested', '1', 'updatedAt', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'version', 1)
if status == 'queued' then
  redis.call('HSET', KEYS[1], 'status', 'canceled', 'finishedAt', ARGV[2], 'etaMs', '0')
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  redis.call('EXPIRE', KEYS[2], ARGV[3])
  local dedupe = redis.call('HGET', KEYS[1], 'dedupeKey')
  if dedupe and redis.call('GET', dedupe) == ARGV[4] then redis.call('DEL', dedupe) end
  redis.call('ZREM', KEYS[3], ARGV[4])
  bump(KEYS[4], KEYS[5], ARGV[5], ARGV[6], {'canceled:' .. redis.call('HGET', KEYS[1], 'analysisType'), 1})
  return {1}
end
return {2}
`;

export const FIND_JOB = `--[[ FIND_JOB: (read-only) the live job of an identity, for reattaching after a refresh.
KEYS[1] dedupe key  ARGV[1] job key prefix
Returns {} when there is none, else {id, {hash pairs}}. ]]
${prelude}local id = redis.call('GET', KEYS[1])
if not id then return {} end
local fields = redis.call('HGETALL', ARGV[1] .. id)
if #fields == 0 then return {} end
return {id, fields}
`;

export const LIST_OWNER_JOBS = `--[[ LIST_OWNER_JOBS: (read-only) an owner's most recent jobs, newest first, for the history list.
KEYS[1] owner index jobs:owner:{owner}
ARGV[1] job key prefix  ARGV[2] how many
Returns {{id, {field, value, ...}}, ...} with a few small fields per job (never results).
Also lists the ops indexes jobs:recent and jobs:active. ]]
${prelude}local ids = redis.call('ZREVRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)
local out = {}
for _, id in ipairs(ids) do
  local v = redis.call('HMGET', ARGV[1] .. id, 'subject', 'analysisType', 'status', 'progress', 'createdAt', 'finishedAt', 'attempt', 'startedAt', 'error',
    'updatedAt', 'enqueuedAt', 'runMs', 'leasedAt', 'timeoutMs')
  if v[3] then
    table.insert(out, {id, {'subject', v[1] or '', 'analysisType', v[2], 'status', v[3], 'progress', v[4] or '0', 'createdAt', v[5] or '0', 'finishedAt', v[6] or '',
      'attempt', v[7] or '0', 'startedAt', v[8] or '', 'error', v[9] or '', 'updatedAt', v[10] or '', 'enqueuedAt', v[11] or '', 'runMs', v[12] or '0',
      'leasedAt', v[13] or '', 'timeoutMs', v[14] or ''}})
  end
end
return out
`;

export const RETRY_JOB = `--[[ RETRY_JOB: queue a failed or canceled job again, keeping its checkpoints (finished steps are not paid again).
KEYS[1] job key  KEYS[2] steps key  KEYS[3] ops: live jobs jobs:active  KEYS[4] minute metrics  KEYS[5] hour metrics
KEYS[6] today's token budget budget:day:{date} ('' key: no budget)
ARGV[1] owner  ARGV[2] now, ms  ARGV[3] job TTL until it ends, s  ARGV[4] dedupe TTL, s  ARGV[5] job id
ARGV[6] minute metrics TTL, s  ARGV[7] hour metrics TTL, s  ARGV[8] job key prefix (to read the job the dedupe key points at)
ARGV[9] daily token budget, all visitors (0: none)  ARGV[10] per visitor (0: none)  ARGV[11] the visitor's budget field
Records '@retry:{n}' = "{now} {previous status} {previous error code}" in the steps hash (attempt history).
Returns {1, retries} queued again; {-1} no such job for this owner; {-2, status} not failed or canceled;
{-3, id} a newer live job has the same identity (it is what a start would return);
{-4, 'total' | 'visitor', tokens} today's budget is spent (nothing written). ]]
${counting}if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return {-1} end
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'failed' and status ~= 'canceled' then return {-2, status} end
local dedupe = redis.call('HGET', KEYS[1], 'dedupeKey')
local other = dedupe and redis.call('GET', dedupe)
if other and other ~= ARGV[5] then
  local s = redis.call('HGET', ARGV[8] .. other, 'status')
  if s == 'queued' or s == 'running' or s == 'succeeded' then return {-3, other} end
end
${BUDGET_LUA.refuse(-4, "KEYS[6]", "ARGV[9]", "ARGV[10]", "ARGV[11]")}if dedupe then redis.call('SET', dedupe, ARGV[5], 'EX', ARGV[4]) end
local code = ''
local err = redis.call('HGET', KEYS[1], 'error')
if err then code = string.match(err, '"code":"([^"]*)"') or '' end
local retries = redis.call('HINCRBY', KEYS[1], 'retries', 1)
redis.call('HSET', KEYS[2], '@retry:' .. retries, ARGV[2] .. ' ' .. status .. ' ' .. code)
-- A new run: its age and its time under leases start again.
redis.call('HSET', KEYS[1], 'status', 'queued', 'cancelRequested', '0', 'updatedAt', ARGV[2], 'etaMs', '', 'partialOutput', '',
  'enqueuedAt', ARGV[2], 'runMs', '0')
redis.call('HDEL', KEYS[1], 'error', 'lastError', 'finishedAt', 'startedAt', 'leasedAt', 'waitUntil')
redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[5])
bump(KEYS[4], KEYS[5], ARGV[6], ARGV[7], {'userRetries', 1})
return {1, retries}
`;

export const REVIVE_JOB = `--[[ REVIVE_JOB: a job with work left that nothing is moving (no live lease, no sign of life
past any wait it announced) is noted as revived, so that the caller publishes it again.
KEYS[1] job key  KEYS[2] lease key  KEYS[3] steps key
ARGV[1] now, ms  ARGV[2] stale bound, ms (0: QStash gave up on its message, so do not wait)
ARGV[3] why (recorded)  ARGV[4] max age, ms (since 'enqueuedAt')  ARGV[5] timeout of its run under leases, ms
Records '@revive:{n}' = "{now} {why}" in the steps hash and 'waitUntil' = now (the next revival
needs another stale bound). The last sign of life is the later of 'updatedAt' and 'waitUntil';
a holder that died counts its run up to its last write.
Returns {1, n} revived for the n-th time (the dedup seq of its new message); {-1} no such job;
{-2, status} it ended; {-3, pttl} a worker holds the lease; {-4, ms} not stale for ms more;
{-5, 'max_age' | 'timeout', ms} it is over that bound (its age, or its run): fail it. ]]
local v = redis.call('HMGET', KEYS[1], 'status', 'updatedAt', 'waitUntil', 'enqueuedAt', 'createdAt', 'runMs', 'leasedAt')
if not v[1] then return {-1} end
if v[1] ~= 'queued' and v[1] ~= 'running' then return {-2, v[1]} end
if redis.call('EXISTS', KEYS[2]) == 1 then return {-3, redis.call('PTTL', KEYS[2])} end
local now = tonumber(ARGV[1])
local lastSign = math.max(tonumber(v[2]) or 0, tonumber(v[3]) or 0)
local quietFor = now - lastSign
if quietFor < tonumber(ARGV[2]) then return {-4, tonumber(ARGV[2]) - quietFor} end
local age = now - (tonumber(v[4]) or tonumber(v[5]) or now)
if age > tonumber(ARGV[4]) then return {-5, 'max_age', age} end
local run = (tonumber(v[6]) or 0) + (v[7] and math.max(0, (tonumber(v[2]) or 0) - tonumber(v[7])) or 0)
if run > tonumber(ARGV[5]) then return {-5, 'timeout', run} end
local n = redis.call('HINCRBY', KEYS[1], 'revives', 1)
redis.call('HSET', KEYS[1], 'waitUntil', ARGV[1])
redis.call('HSET', KEYS[3], '@revive:' .. n, ARGV[1] .. ' ' .. ARGV[3])
local ttl = redis.call('TTL', KEYS[1])
if ttl > 0 then redis.call('EXPIRE', KEYS[3], ttl) end
return {1, n}
`;
