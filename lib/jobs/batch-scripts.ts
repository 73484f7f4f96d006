import { UNPACK_LUA } from "@/lib/redis/lua";
import { defineScript } from "@/lib/redis/script";
import { VISIT_ARGS, VISIT_KEYS, VISITS_LUA } from "@/lib/telemetry/visits-lua";

/** Lua scripts of batches (contracts first, as in lib/jobs/scripts.ts). */

export const CREATE_BATCH = defineScript({
  keys: ["batch", "ownerBatches"],
  args: ["batchId", "createdAt", "ttl"],
  rest: "fields",
  lua: `--[[ CREATE_BATCH: record a batch of analyses and index it for its owner.
Returns 1. ]]
local batchKey = KEYS[1] -- batch:{id}
local ownerBatchesKey = KEYS[2] -- the owner's batches batches:owner:{owner}
local batchId = ARGV[1]
local createdAt = ARGV[2] -- ms
local ttl = ARGV[3] -- s
local fieldsAt = 4 -- ARGV[4..]: field, value pairs of the batch
${UNPACK_LUA}redis.call('HSET', batchKey, unpack(ARGV, fieldsAt))
redis.call('EXPIRE', batchKey, ttl)
redis.call('ZADD', ownerBatchesKey, createdAt, batchId)
redis.call('ZREMRANGEBYRANK', ownerBatchesKey, 0, -51)
redis.call('EXPIRE', ownerBatchesKey, ttl)
return 1
`,
});

export const READ_BATCH = defineScript({
  keys: ["batch", ...VISIT_KEYS],
  args: ["jobPrefix", "owner", ...VISIT_ARGS],
  lua: `--[[ READ_BATCH: a batch and a few fields of each of its jobs, in one command; when it is
the asker's, the visit is recorded (a batch poll counts as one, lib/telemetry/visits.ts).
Returns {} when there is no such batch, else {{batch pairs}, {{id, status, progress, subject,
error, cachedFrom, retries}, ...}} (a job that expired reads as status false). ]]
local batchKey = KEYS[1] -- batch:{id}
local visitorDayKey = KEYS[2] -- visitors:day:{day}
local visitorLastKey = KEYS[3] -- visitors:last:{vh}
local visitorUsageKey = KEYS[4] -- visitors:usage:{day}
local jobPrefix = ARGV[1] -- job key prefix
local owner = ARGV[2] -- who asks
local visitor = ARGV[3] -- the asker's keyed hash vh_…
local visitorHour = ARGV[4] -- the UTC hour now
local visitorSince = ARGV[5] -- the first UTC day a last visit makes the visitor returning
local visitorExpireAt = ARGV[6] -- when this day's visitor keys expire, epoch s
${VISITS_LUA}local batch = redis.call('HGETALL', batchKey)
if #batch == 0 then return {} end
if redis.call('HGET', batchKey, 'owner') == owner then touchVisitor() end
local ids = redis.call('HGET', batchKey, 'jobIds')
local out = {}
for id in string.gmatch(ids or '', '[^,]+') do
  local v = redis.call('HMGET', jobPrefix .. id, 'status', 'progress', 'subject', 'error',
    'cachedFrom', 'retries')
  table.insert(out, {id, v[1], v[2], v[3], v[4], v[5], v[6]})
end
return {batch, out}
`,
});
