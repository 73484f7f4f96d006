import { UNPACK_LUA } from "@/lib/redis/lua";
import { defineScript } from "@/lib/redis/script";

/** Lua scripts of stored inputs: pasted listings and uploaded conversations (contract first). */

export const CREATE_LISTING = defineScript({
  keys: ["listing", "ownerListings", "addressListings"],
  args: [
    "listingId",
    "now",
    "listingTtl",
    "size",
    "visitorMaxCount",
    "visitorMaxBytes",
    "addressMaxCount",
    "addressMaxBytes",
  ],
  rest: "fields",
  codes: { 1: "stored", [-1]: "visitor_full", [-2]: "address_full" },
  lua: `--[[ CREATE_LISTING: store a pasted listing, or an uploaded conversation, within the storage
quotas of its visitor and address (the two share them, so uploading cannot double what one
visitor keeps). The two indexes hold "{id} {bytes}" scored by creation time; entries older than the TTL
(their listing expired) are dropped first, so a quota frees itself as listings expire.
Returns {1} stored; {-1, count, bytes, oldest ms} the visitor's quota is full;
{-2, count, bytes, oldest ms} the address's quota is full (then nothing is written). ]]
local listingKey = KEYS[1] -- listing:{id} or conversation:{id}
local ownerListingsKey = KEYS[2] -- the visitor's listings listings:owner:{owner}
local addressListingsKey = KEYS[3] -- the address's listings listings:address:{address hash}
local listingId = ARGV[1]
local now = tonumber(ARGV[2]) -- ms
local listingTtl = ARGV[3] -- s
local size = tonumber(ARGV[4]) -- the listing's size, bytes
local visitorMaxCount = tonumber(ARGV[5]) -- the visitor's quota: listings (0: none)
local visitorMaxBytes = tonumber(ARGV[6]) -- bytes (0: none)
local addressMaxCount = tonumber(ARGV[7]) -- the address's quota: listings (0: none)
local addressMaxBytes = tonumber(ARGV[8]) -- bytes (0: none)
local fieldsAt = 9 -- ARGV[9..]: field, value pairs of the listing
${UNPACK_LUA}local ttlMs = tonumber(listingTtl) * 1000
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
local vc, vb, vo = usage(ownerListingsKey)
if full(vc, vb, visitorMaxCount, visitorMaxBytes) then return {-1, vc, vb, vo} end
local ac, ab, ao = usage(addressListingsKey)
if full(ac, ab, addressMaxCount, addressMaxBytes) then return {-2, ac, ab, ao} end
redis.call('HSET', listingKey, unpack(ARGV, fieldsAt))
redis.call('EXPIRE', listingKey, listingTtl)
for _, key in ipairs({ownerListingsKey, addressListingsKey}) do
  redis.call('ZADD', key, now, listingId .. ' ' .. size)
  redis.call('EXPIRE', key, listingTtl)
end
return {1}
`,
});
