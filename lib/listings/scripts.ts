/** Lua scripts of pasted listings (contract first, as in lib/jobs/scripts.ts). */

export const CREATE_LISTING = `--[[ CREATE_LISTING: store a pasted listing, or an uploaded
conversation, within the storage quotas of its visitor and address (the two share them, so
uploading cannot double what one visitor keeps).
KEYS[1] the item's hash: listing:{id} or conversation:{id}
KEYS[2] the visitor's items listings:owner:{owner}
KEYS[3] the address's items listings:address:{address hash}
ARGV[1] item id  ARGV[2] now, ms  ARGV[3] item TTL, s  ARGV[4] its size, bytes
ARGV[5] visitor quota: items  ARGV[6] visitor quota: bytes  ARGV[7] address quota: items
ARGV[8] address quota: bytes (0: no quota)  ARGV[9..] field, value pairs of the item
The two indexes hold "{id} {bytes}" scored by creation time; entries older than the TTL (their
item expired) are dropped first, so a quota frees itself as items expire.
Returns {1} stored; {-1, count, bytes, oldest ms} the visitor's quota is full;
{-2, count, bytes, oldest ms} the address's quota is full (then nothing is written). ]]
local unpack = unpack or table.unpack
local itemKey, ownerIndex, addressIndex = KEYS[1], KEYS[2], KEYS[3]
local id, now, ttlS = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local ttlMs = tonumber(ttlS) * 1000
local size = tonumber(ARGV[4])
local ownerCount, ownerBytes = tonumber(ARGV[5]), tonumber(ARGV[6])
local addressCount, addressBytes = tonumber(ARGV[7]), tonumber(ARGV[8])
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
local vc, vb, vo = usage(ownerIndex)
if full(vc, vb, ownerCount, ownerBytes) then return {-1, vc, vb, vo} end
local ac, ab, ao = usage(addressIndex)
if full(ac, ab, addressCount, addressBytes) then return {-2, ac, ab, ao} end
redis.call('HSET', itemKey, unpack(ARGV, 9))
redis.call('EXPIRE', itemKey, ttlS)
for _, key in ipairs({ownerIndex, addressIndex}) do
  redis.call('ZADD', key, now, id .. ' ' .. size)
  redis.call('EXPIRE', key, ttlS)
end
return {1}
`;
