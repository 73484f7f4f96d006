/** Lua scripts of pasted listings (contract first, as in lib/jobs/scripts.ts). */

export const CREATE_LISTING = `--[[ CREATE_LISTING: store a pasted listing within the storage quotas of its visitor and address.
KEYS[1] listing hash listing:{id}  KEYS[2] the visitor's listings listings:owner:{owner}
KEYS[3] the address's listings listings:address:{address hash}
ARGV[1] listing id  ARGV[2] now, ms  ARGV[3] listing TTL, s  ARGV[4] its size, bytes
ARGV[5] visitor quota: listings  ARGV[6] visitor quota: bytes  ARGV[7] address quota: listings
ARGV[8] address quota: bytes (0: no quota)  ARGV[9..] field, value pairs of the listing
The two indexes hold "{id} {bytes}" scored by creation time; entries older than the TTL (their
listing expired) are dropped first, so a quota frees itself as listings expire.
Returns {1} stored; {-1, count, bytes, oldest ms} the visitor's quota is full;
{-2, count, bytes, oldest ms} the address's quota is full (then nothing is written). ]]
local unpack = unpack or table.unpack
local now, ttlMs = tonumber(ARGV[2]), tonumber(ARGV[3]) * 1000
local size = tonumber(ARGV[4])
local function usage(key)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - ttlMs)
  local members = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
  local count, bytes, oldest = 0, 0, now
  for i = 1, #members, 2 do
    count = count + 1
    bytes = bytes + (tonumber(string.match(members[i], ' (%d+)$')) or 0)
    if i == 1 then oldest = tonumber(members[i + 1]) end
  end
  return count, bytes, oldest
end
local function full(count, bytes, maxCount, maxBytes)
  return (maxCount > 0 and count + 1 > maxCount) or (maxBytes > 0 and bytes + size > maxBytes)
end
local vc, vb, vo = usage(KEYS[2])
if full(vc, vb, tonumber(ARGV[5]), tonumber(ARGV[6])) then return {-1, vc, vb, vo} end
local ac, ab, ao = usage(KEYS[3])
if full(ac, ab, tonumber(ARGV[7]), tonumber(ARGV[8])) then return {-2, ac, ab, ao} end
redis.call('HSET', KEYS[1], unpack(ARGV, 9))
redis.call('EXPIRE', KEYS[1], ARGV[3])
for _, key in ipairs({KEYS[2], KEYS[3]}) do
  redis.call('ZADD', key, now, ARGV[1] .. ' ' .. size)
  redis.call('EXPIRE', key, ARGV[3])
end
return {1}
`;
