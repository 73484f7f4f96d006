/**
 * The Lua scripts of the reads a browser following a job makes (contracts first, as in
 * lib/jobs/scripts.ts): a status poll by id and the lookup by identity after a refresh. Each is
 * the request's one Redis command, and also records the visit (lib/telemetry/visits.ts) when the
 * job is the visitor's: counting visitors costs a poll nothing more.
 */
import { UNPACK_LUA } from "@/lib/redis/lua";
import { defineScript } from "@/lib/redis/script";
import { METRICS_LUA } from "@/lib/telemetry/metric-keys";
import { VISIT_ARGS, VISIT_KEYS, VISITS_LUA } from "@/lib/telemetry/visits-lua";

export const POLL_JOB = defineScript({
  keys: ["job", "minuteMetrics", "hourMetrics", ...VISIT_KEYS],
  args: ["owner", "minuteTtl", "hourTtl", ...VISIT_ARGS],
  rest: "counts",
  codes: { 1: "counted", 0: "refused" },
  lua: `--[[ POLL_JOB: a status poll's one command: the job hash and, when it is the poller's, the
visit and the API counters this instance gathered in memory (lib/telemetry/request-stats.ts).
Returns {1, {hash pairs}} the poller's job, counted; {0, {hash pairs}} no such job ({}) or
another owner's: nothing written (a rejected request writes nothing). ]]
local jobKey = KEYS[1] -- job:{id}
local minuteMetricsKey = KEYS[2]
local hourMetricsKey = KEYS[3]
local visitorDayKey = KEYS[4] -- visitors:day:{day}
local visitorLastKey = KEYS[5] -- visitors:last:{vh}
local visitorUsageKey = KEYS[6] -- visitors:usage:{day}
local owner = ARGV[1] -- who polls
local minuteTtl = ARGV[2] -- s
local hourTtl = ARGV[3] -- s
local visitor = ARGV[4] -- the poller's keyed hash vh_…
local visitorHour = ARGV[5] -- the UTC hour now, "2026-12-01T07"
local visitorSince = ARGV[6] -- the first UTC day a last visit makes the visitor returning
local visitorExpireAt = ARGV[7] -- when this day's visitor keys expire, epoch s
local countsAt = 8 -- ARGV[8..]: field, increment pairs of the API counters ('' when none are due)
${UNPACK_LUA}${METRICS_LUA}${VISITS_LUA}local fields = redis.call('HGETALL', jobKey)
local jobOwner
for i = 1, #fields, 2 do
  if fields[i] == 'owner' then jobOwner = fields[i + 1] end
end
if jobOwner ~= owner then return {0, fields} end
touchVisitor()
if #ARGV >= countsAt then bump({unpack(ARGV, countsAt)}) end
return {1, fields}
`,
});

export const FIND_JOB = defineScript({
  keys: ["dedupe", ...VISIT_KEYS],
  args: ["jobPrefix", "owner", ...VISIT_ARGS],
  lua: `--[[ FIND_JOB: the live job of an identity, for reattaching after a refresh; the visit is
recorded when it is the owner's.
Returns {} when there is none, else {id, {hash pairs}}. ]]
local dedupeKey = KEYS[1] -- job:byIdentity:{type}:{identityHash}
local visitorDayKey = KEYS[2] -- visitors:day:{day}
local visitorLastKey = KEYS[3] -- visitors:last:{vh}
local visitorUsageKey = KEYS[4] -- visitors:usage:{day}
local jobPrefix = ARGV[1] -- job key prefix
local owner = ARGV[2] -- who asks
local visitor = ARGV[3] -- the asker's keyed hash vh_…
local visitorHour = ARGV[4] -- the UTC hour now
local visitorSince = ARGV[5] -- the first UTC day a last visit makes the visitor returning
local visitorExpireAt = ARGV[6] -- when this day's visitor keys expire, epoch s
${VISITS_LUA}local id = redis.call('GET', dedupeKey)
if not id then return {} end
local fields = redis.call('HGETALL', jobPrefix .. id)
if #fields == 0 then return {} end
for i = 1, #fields, 2 do
  if fields[i] == 'owner' and fields[i + 1] == owner then touchVisitor() end
end
return {id, fields}
`,
});
