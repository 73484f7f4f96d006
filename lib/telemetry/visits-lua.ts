/**
 * Lua fragments of visitor analytics, spliced into the scripts a visitor's requests already run
 * (lib/telemetry/visits.ts keeps the TypeScript side, names the inputs and says what counts).
 * Each fragment reads the host script's locals by name.
 *
 * `touchVisitor()` records that the visitor made a request now. It does the work once per visitor
 * and UTC hour: `visitors:last:{vh}` holds the hour of the visitor's last request, and a request in
 * the same hour (most polls) costs one GET. A new hour adds the visitor to that hour's
 * `active:{HH}`; a new day also adds the visitor to the day's HyperLogLog, and counts the visitor as
 * `returning` when the last request was on an earlier day not before `visitorSince` (the retention
 * window). A request older than the recorded hour (another instance's clock a little behind) is
 * not counted again. PFADD goes through pcall: a Redis without HyperLogLog (the in-process engine
 * of `npm run dev` without redis-server) still serves the request, without the distinct counts.
 *
 * `countUsage(fields)` adds 1 to each space-separated field of the day's usage hash (a start's
 * hour, type and param values).
 */
/** The inputs VISITS_LUA reads, by the names a host script declares them (its `-- needs:`). */
export const VISIT_KEYS = ["visitorDay", "visitorLast", "visitorUsage"] as const;
export const VISIT_ARGS = ["visitor", "visitorHour", "visitorSince", "visitorExpireAt"] as const;

export const VISITS_LUA = `-- needs: visitorDayKey, visitorLastKey, visitorUsageKey, visitor, visitorHour
-- needs: visitorSince, visitorExpireAt
local function touchVisitor()
  local last = redis.call('GET', visitorLastKey)
  if last and last >= visitorHour then return end
  local today = string.sub(visitorHour, 1, 10)
  local lastDay = last and string.sub(last, 1, 10)
  redis.call('SET', visitorLastKey, visitorHour)
  redis.call('EXPIREAT', visitorLastKey, visitorExpireAt)
  redis.call('HINCRBY', visitorUsageKey, 'active:' .. string.sub(visitorHour, 12, 13), 1)
  if lastDay ~= today then
    redis.pcall('PFADD', visitorDayKey, visitor)
    redis.call('EXPIREAT', visitorDayKey, visitorExpireAt)
    if lastDay and lastDay >= visitorSince then
      redis.call('HINCRBY', visitorUsageKey, 'returning', 1)
    end
  end
  redis.call('EXPIREAT', visitorUsageKey, visitorExpireAt)
end
local function countUsage(fields)
  for field in string.gmatch(fields, '%S+') do
    redis.call('HINCRBY', visitorUsageKey, field, 1)
  end
  redis.call('EXPIREAT', visitorUsageKey, visitorExpireAt)
end
`;
