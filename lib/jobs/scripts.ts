/**
 * Lua scripts for every multi-key change a person makes to a job (start, list, cancel, retry),
 * one per operation, each atomic and one round trip; the worker's are lib/jobs/worker-scripts.ts,
 * a browser's reads (status poll, lookup by identity) lib/jobs/poll-scripts.ts. Each opens with its contract — purpose, inputs as named locals in
 * the order the declaration beside it gives (lib/redis/script.ts), reply codes — and returns
 * expected outcomes as codes, turned into values in store.ts.
 *
 * Scripts also read keys they find inside the job hash (`dedupeKey`) or build from a prefix:
 * Upstash Redis is a single shard, and the names come from the one key builder.
 */
import { BUDGET_LUA } from "@/lib/jobs/budget-lua";
import { METRICS_LUA } from "@/lib/telemetry/metric-keys";
import { VISIT_ARGS, VISIT_KEYS, VISITS_LUA } from "@/lib/telemetry/visits-lua";
import { UNPACK_LUA } from "@/lib/redis/lua";
import { defineScript } from "@/lib/redis/script";

/**
 * For scripts that also count ops metrics (lib/telemetry/metric-keys.ts) and the visit
 * (lib/telemetry/visits-lua.ts): same round trip.
 */
const counting = `${UNPACK_LUA}${METRICS_LUA}${VISITS_LUA}`;

export const CREATE_JOB = defineScript({
  keys: [
    "dedupe",
    "job",
    "ownerJobs",
    "activeJobs",
    "recentJobs",
    "minuteMetrics",
    "hourMetrics",
    "resultCache",
    "budgetDay",
    ...VISIT_KEYS,
  ],
  args: [
    "jobId",
    "jobPrefix",
    "dedupeTtl",
    "liveTtl",
    "ownerJobsTtl",
    "ownerJobsMax",
    "createdAt",
    "analysisType",
    "minuteTtl",
    "hourTtl",
    "recentWindow",
    "budgetTotal",
    "budgetPerVisitor",
    "budgetVisitor",
    ...VISIT_ARGS,
    "usageFields",
  ],
  rest: "fields",
  codes: { 1: "created", 0: "deduplicated", 2: "cached", [-1]: "over_budget" },
  lua: `--[[ CREATE_JOB: create a job unless its identity already has a live one.
Returns {1, id} created, or {0, id, {hash pairs}}: a queued/running/succeeded job already has
this identity (a failed or canceled one does not block a new start), or {2, id, {hash pairs}}:
the result cache held this analysis, and the job was created already succeeded with it, or
{-1, 'total' | 'visitor', tokens}: today's budget is spent and it would be new work (nothing
written). Counts started / deduplicated / cacheHits, and the visit; a start that is not
deduplicated also counts as usage of its type and param values. ]]
local dedupeKey = KEYS[1] -- job:byIdentity:{type}:{identityHash}
local jobKey = KEYS[2] -- job:{id}
local ownerJobsKey = KEYS[3] -- the owner's index jobs:owner:{owner}
local activeJobsKey = KEYS[4] -- ops: live jobs jobs:active
local recentJobsKey = KEYS[5] -- ops: all recent jobs jobs:recent
local minuteMetricsKey = KEYS[6]
local hourMetricsKey = KEYS[7]
local resultCacheKey = KEYS[8] -- cache:result:{type}:{hash} ('': no cache)
local budgetDayKey = KEYS[9] -- today's token budget budget:day:{YYYY-MM-DD} ('': no budget)
local visitorDayKey = KEYS[10] -- visitors:day:{day}
local visitorLastKey = KEYS[11] -- visitors:last:{vh}
local visitorUsageKey = KEYS[12] -- visitors:usage:{day}
local jobId = ARGV[1] -- the new job's id
local jobPrefix = ARGV[2] -- job key prefix (to read the job dedupeKey points at)
local dedupeTtl = ARGV[3] -- s
local liveTtl = tonumber(ARGV[4]) -- the job's TTL until it ends, s
local ownerJobsTtl = ARGV[5] -- s
local ownerJobsMax = tonumber(ARGV[6]) -- how many ids the owner index keeps
local createdAt = ARGV[7] -- ms
local analysisType = ARGV[8]
local minuteTtl = ARGV[9] -- s
local hourTtl = ARGV[10] -- s
local recentWindow = tonumber(ARGV[11]) -- how long jobs:recent keeps an id, s
local budgetTotal = ARGV[12] -- today's token budget of all visitors (0: none)
local budgetPerVisitor = ARGV[13] -- of each visitor (0: none)
local budgetVisitor = ARGV[14] -- the visitor's budget field
local visitor = ARGV[15] -- the starter's keyed hash vh_…
local visitorHour = ARGV[16] -- the UTC hour of createdAt, "2026-12-01T07"
local visitorSince = ARGV[17] -- the first UTC day a last visit makes the visitor returning
local visitorExpireAt = ARGV[18] -- when this day's visitor keys expire, epoch s
local usageFields = ARGV[19] -- space-separated usage fields of this start (hour, type, params)
local fieldsAt = 20 -- ARGV[20..]: field, value pairs of the new job hash
${counting}local existing = redis.call('GET', dedupeKey)
if existing then
  local fields = redis.call('HGETALL', jobPrefix .. existing)
  for i = 1, #fields, 2 do
    local s = fields[i + 1]
    if fields[i] == 'status' and (s == 'queued' or s == 'running' or s == 'succeeded') then
      bump({'deduplicated', 1})
      touchVisitor()
      return {0, existing, fields}
    end
  end
end
local cached = resultCacheKey ~= '' and redis.call('GET', resultCacheKey)
if not cached then
${BUDGET_LUA.refuse(-1)}end
touchVisitor()
countUsage(usageFields)
redis.call('HSET', jobKey, unpack(ARGV, fieldsAt))
redis.call('EXPIRE', jobKey, liveTtl)
if cached then
  local source = string.match(cached, '^([^ ]*) ')
  redis.call('HSET', jobKey, 'status', 'succeeded', 'result', string.sub(cached, #source + 2),
    'cachedFrom', source, 'progress', '100', 'startedAt', createdAt, 'finishedAt', createdAt,
    'etaMs', '0')
end
redis.call('SET', dedupeKey, jobId, 'EX', dedupeTtl)
redis.call('ZADD', ownerJobsKey, createdAt, jobId)
redis.call('ZREMRANGEBYRANK', ownerJobsKey, 0, -(ownerJobsMax + 1))
redis.call('EXPIRE', ownerJobsKey, ownerJobsTtl)
-- Ops indexes: members whose job expired without ending age out by score.
if not cached then
  redis.call('ZADD', activeJobsKey, createdAt, jobId)
  redis.call('ZREMRANGEBYSCORE', activeJobsKey, '-inf', tonumber(createdAt) - liveTtl * 1000)
  redis.call('EXPIRE', activeJobsKey, liveTtl)
end
redis.call('ZADD', recentJobsKey, createdAt, jobId)
redis.call('ZREMRANGEBYSCORE', recentJobsKey, '-inf', tonumber(createdAt) - recentWindow * 1000)
redis.call('ZREMRANGEBYRANK', recentJobsKey, 0, -10001)
redis.call('EXPIRE', recentJobsKey, recentWindow)
if cached then
  bump({'started', 1, 'started:' .. analysisType, 1, 'cacheHits', 1,
    'succeeded:' .. analysisType, 1})
  return {2, jobId, redis.call('HGETALL', jobKey)}
end
bump({'started', 1, 'started:' .. analysisType, 1})
return {1, jobId}
`,
});

export const REQUEST_CANCEL = defineScript({
  keys: ["job", "steps", "activeJobs", "minuteMetrics", "hourMetrics", ...VISIT_KEYS],
  args: ["owner", "now", "retentionTtl", "jobId", "minuteTtl", "hourTtl", ...VISIT_ARGS],
  codes: { [-1]: "missing", 0: "already_ended", 1: "canceled", 2: "stopping" },
  lua: `--[[ REQUEST_CANCEL: a person asks to stop a job.
Returns {-1} no such job for this owner; {0, status} it already ended (no-op);
{1} it was queued and is now canceled; {2, modelCall} it is running: the flag is set and the
worker stops at its next write; modelCall (its call in flight at the AI provider, or '') lets the
caller stop that response at once, even while no worker holds the job. The owner's request
counts as a visit. ]]
local jobKey = KEYS[1]
local stepsKey = KEYS[2]
local activeJobsKey = KEYS[3] -- ops: live jobs jobs:active
local minuteMetricsKey = KEYS[4]
local hourMetricsKey = KEYS[5]
local visitorDayKey = KEYS[6] -- visitors:day:{day}
local visitorLastKey = KEYS[7] -- visitors:last:{vh}
local visitorUsageKey = KEYS[8] -- visitors:usage:{day}
local owner = ARGV[1] -- who asks
local now = ARGV[2] -- ms
local retentionTtl = ARGV[3] -- s
local jobId = ARGV[4]
local minuteTtl = ARGV[5] -- s
local hourTtl = ARGV[6] -- s
local visitor = ARGV[7] -- the asker's keyed hash vh_…
local visitorHour = ARGV[8] -- the UTC hour now
local visitorSince = ARGV[9] -- the first UTC day a last visit makes the visitor returning
local visitorExpireAt = ARGV[10] -- when this day's visitor keys expire, epoch s
${counting}if redis.call('HGET', jobKey, 'owner') ~= owner then return {-1} end
touchVisitor()
local status = redis.call('HGET', jobKey, 'status')
if status == 'succeeded' or status == 'failed' or status == 'canceled' then return {0, status} end
redis.call('HSET', jobKey, 'cancelRequested', '1', 'updatedAt', now)
redis.call('HINCRBY', jobKey, 'version', 1)
if status == 'queued' then
  redis.call('HSET', jobKey, 'status', 'canceled', 'finishedAt', now, 'etaMs', '0')
  redis.call('EXPIRE', jobKey, retentionTtl)
  redis.call('EXPIRE', stepsKey, retentionTtl)
  local dedupe = redis.call('HGET', jobKey, 'dedupeKey')
  if dedupe and redis.call('GET', dedupe) == jobId then redis.call('DEL', dedupe) end
  redis.call('ZREM', activeJobsKey, jobId)
  bump({'canceled:' .. redis.call('HGET', jobKey, 'analysisType'), 1})
  return {1}
end
return {2, redis.call('HGET', jobKey, 'modelCall') or ''}
`,
});

export const LIST_OWNER_JOBS = defineScript({
  keys: ["index"],
  args: ["jobPrefix", "limit"],
  lua: `--[[ LIST_OWNER_JOBS: (read-only) an index's most recent jobs, newest first: an owner's
history, or the ops indexes jobs:recent and jobs:active.
Returns {{id, {field, value, ...}}, ...} with a few small fields per job (never results). ]]
local indexKey = KEYS[1] -- jobs:owner:{owner}, jobs:recent or jobs:active
local jobPrefix = ARGV[1] -- job key prefix
local limit = tonumber(ARGV[2]) -- how many
local ids = redis.call('ZREVRANGE', indexKey, 0, limit - 1)
local out = {}
for _, id in ipairs(ids) do
  local v = redis.call('HMGET', jobPrefix .. id, 'subject', 'analysisType', 'status', 'progress',
    'createdAt', 'finishedAt', 'attempt', 'startedAt', 'error', 'updatedAt', 'enqueuedAt', 'runMs',
    'leasedAt', 'timeoutMs', 'waitUntil', 'retries')
  if v[3] then
    table.insert(out, {id, {'subject', v[1] or '', 'analysisType', v[2], 'status', v[3],
      'progress', v[4] or '0', 'createdAt', v[5] or '0', 'finishedAt', v[6] or '',
      'attempt', v[7] or '0', 'startedAt', v[8] or '', 'error', v[9] or '',
      'updatedAt', v[10] or '', 'enqueuedAt', v[11] or '', 'runMs', v[12] or '0',
      'leasedAt', v[13] or '', 'timeoutMs', v[14] or '', 'waitUntil', v[15] or '',
      'retries', v[16] or '0'}})
  end
end
return out
`,
});

export const RETRY_JOB = defineScript({
  keys: ["job", "steps", "activeJobs", "minuteMetrics", "hourMetrics", "budgetDay", ...VISIT_KEYS],
  args: [
    "owner",
    "now",
    "liveTtl",
    "dedupeTtl",
    "jobId",
    "minuteTtl",
    "hourTtl",
    "jobPrefix",
    "budgetTotal",
    "budgetPerVisitor",
    "budgetVisitor",
    ...VISIT_ARGS,
  ],
  codes: {
    1: "queued",
    [-1]: "missing",
    [-2]: "not_retryable",
    [-3]: "superseded",
    [-4]: "over_budget",
  },
  lua: `--[[ RETRY_JOB: queue a failed or canceled job again, keeping its checkpoints (finished
steps are not paid again).
Records '@retry:{n}' = "{now} {previous status} {previous error code}" in the steps hash
(attempt history).
Returns {1, retries} queued again; {-1} no such job for this owner; {-2, status} not failed or
canceled; {-3, id} a newer live job has the same identity (it is what a start would return);
{-4, 'total' | 'visitor', tokens} today's budget is spent (nothing written). A retry queued
counts as a visit. ]]
local jobKey = KEYS[1]
local stepsKey = KEYS[2]
local activeJobsKey = KEYS[3] -- ops: live jobs jobs:active
local minuteMetricsKey = KEYS[4]
local hourMetricsKey = KEYS[5]
local budgetDayKey = KEYS[6] -- today's token budget budget:day:{date} ('': no budget)
local visitorDayKey = KEYS[7] -- visitors:day:{day}
local visitorLastKey = KEYS[8] -- visitors:last:{vh}
local visitorUsageKey = KEYS[9] -- visitors:usage:{day}
local owner = ARGV[1] -- who asks
local now = ARGV[2] -- ms
local liveTtl = ARGV[3] -- the job's TTL until it ends, s
local dedupeTtl = ARGV[4] -- s
local jobId = ARGV[5]
local minuteTtl = ARGV[6] -- s
local hourTtl = ARGV[7] -- s
local jobPrefix = ARGV[8] -- job key prefix (to read the job the dedupe key points at)
local budgetTotal = ARGV[9] -- today's token budget of all visitors (0: none)
local budgetPerVisitor = ARGV[10] -- of each visitor (0: none)
local budgetVisitor = ARGV[11] -- the visitor's budget field
local visitor = ARGV[12] -- the asker's keyed hash vh_…
local visitorHour = ARGV[13] -- the UTC hour now
local visitorSince = ARGV[14] -- the first UTC day a last visit makes the visitor returning
local visitorExpireAt = ARGV[15] -- when this day's visitor keys expire, epoch s
${counting}if redis.call('HGET', jobKey, 'owner') ~= owner then return {-1} end
local status = redis.call('HGET', jobKey, 'status')
if status ~= 'failed' and status ~= 'canceled' then return {-2, status} end
local dedupe = redis.call('HGET', jobKey, 'dedupeKey')
local other = dedupe and redis.call('GET', dedupe)
if other and other ~= jobId then
  local s = redis.call('HGET', jobPrefix .. other, 'status')
  if s == 'queued' or s == 'running' or s == 'succeeded' then return {-3, other} end
end
${BUDGET_LUA.refuse(-4)}touchVisitor()
if dedupe then redis.call('SET', dedupe, jobId, 'EX', dedupeTtl) end
local code = ''
local err = redis.call('HGET', jobKey, 'error')
if err then code = string.match(err, '"code":"([^"]*)"') or '' end
local retries = redis.call('HINCRBY', jobKey, 'retries', 1)
redis.call('HSET', stepsKey, '@retry:' .. retries, now .. ' ' .. status .. ' ' .. code)
-- A new run: its age and its time under leases start again.
redis.call('HSET', jobKey, 'status', 'queued', 'cancelRequested', '0', 'updatedAt', now,
  'etaMs', '', 'partialOutput', '', 'enqueuedAt', now, 'runMs', '0')
redis.call('HDEL', jobKey, 'error', 'lastError', 'finishedAt', 'startedAt', 'leasedAt', 'waitUntil')
redis.call('HINCRBY', jobKey, 'version', 1)
redis.call('EXPIRE', jobKey, liveTtl)
redis.call('EXPIRE', stepsKey, liveTtl)
redis.call('ZADD', activeJobsKey, now, jobId)
bump({'userRetries', 1})
return {1, retries}
`,
});
