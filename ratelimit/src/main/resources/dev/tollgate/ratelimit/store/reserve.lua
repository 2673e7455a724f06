-- Atomic check-and-reserve across every bucket a request counts in. All keys share the
-- namespace's hash tag, so in Redis Cluster the script runs on one shard.
--
-- KEYS: 1 request record, 2 commit marker, 3 open reservations, 4 bucket index,
--       then per bucket: counters hash, reservations sorted set
-- ARGV: 1 request id, 2 now (ms), 3 reservation expiry (ms), 4 record TTL (ms),
--       5 held bucket ids (newline separated), 6 grace after a window's end (ms),
--       then per bucket: id, amount, limit, warn threshold, enforced (1 or 0), window end (ms)
-- Returns: status (0 reserved, 1 rejected, 2 already reserved, 3 already committed),
--          index of the blocking bucket (1-based, 0 for none),
--          then per bucket: used, reserved, crossed warn (1/0), crossed limit (1/0)
-- Counter values travel as strings from ARGV to HINCRBY, never through Lua numbers, whose
-- formatting would turn large values into exponent notation; comparisons use Lua numbers, which
-- are exact below 2^53 (see Units.MAX). The open-reservation and index sets are trimmed where
-- they are read (RedisBudgetStore.usage and outstandingReservations), not on this hot path.
local id = ARGV[1]
local now = tonumber(ARGV[2])
local grace = tonumber(ARGV[6])
local n = (#KEYS - 4) / 2
local FIELDS = 6

local marker = redis.call('GET', KEYS[2])
if marker and tonumber(string.match(marker, '^%d+')) > now then
  return {3, 0}
end

-- used, reserved and the two crossing flags of each bucket, after dropping expired reservations
local used, res, warned, over = {}, {}, {}, {}
for i = 1, n do
  local h = KEYS[3 + 2 * i]
  purge(h, KEYS[4 + 2 * i], ARGV[2])
  local v = redis.call('HMGET', h, 'used', 'res', 'warned', 'over')
  used[i], res[i] = tonumber(v[1] or '0'), tonumber(v[2] or '0')
  warned[i], over[i] = v[3], v[4]
end

local status, blocked = 0, 0
local expiry = redis.call('HGET', KEYS[1], 'e')
if expiry and tonumber(expiry) > now then
  status = 2
else
  for i = 1, n do
    local a = 7 + (i - 1) * FIELDS
    if ARGV[a + 4] == '1' and used[i] + res[i] + tonumber(ARGV[a + 1]) > tonumber(ARGV[a + 2]) then
      status, blocked = 1, i
      break
    end
  end
end

local out = {status, blocked}
for i = 1, n do
  local a = 7 + (i - 1) * FIELDS
  local h, z = KEYS[3 + 2 * i], KEYS[4 + 2 * i]
  local crossedWarn, crossedLimit = 0, 0
  if status == 0 then
    local ttl = tonumber(ARGV[a + 5]) - now + grace
    if redis.call('HSETNX', h, 'used', '0') == 1 then
      -- a new bucket: it expires after its window, and usage reports find it in the index
      redis.call('PEXPIRE', h, string.format('%d', ttl))
      redis.call('ZADD', KEYS[4], ARGV[a + 5], ARGV[a])
      extend(KEYS[4], ttl)
    end
    if ARGV[a + 1] ~= '0' then
      redis.call('HINCRBY', h, 'res', ARGV[a + 1])
      redis.call('HSET', h, 'r:' .. id, ARGV[a + 1])
      redis.call('ZADD', z, ARGV[3], id)
      redis.call('PEXPIRE', z, string.format('%d', ttl))
      res[i] = res[i] + tonumber(ARGV[a + 1])
    end
    local total = used[i] + res[i]
    if not warned[i] and total >= tonumber(ARGV[a + 3]) then
      redis.call('HSET', h, 'warned', '1')
      crossedWarn = 1
    end
    if not over[i] and total > tonumber(ARGV[a + 2]) then
      redis.call('HSET', h, 'over', '1')
      crossedLimit = 1
    end
  end
  out[#out + 1] = used[i]
  out[#out + 1] = res[i]
  out[#out + 1] = crossedWarn
  out[#out + 1] = crossedLimit
end

if status == 0 then
  redis.call('HSET', KEYS[1], 'b', ARGV[5], 'e', ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  redis.call('ZADD', KEYS[3], ARGV[3], id)
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
end
return out
