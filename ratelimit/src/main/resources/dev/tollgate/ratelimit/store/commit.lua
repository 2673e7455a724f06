-- Commits a request's actual usage, or only releases its reservation; idempotent by request id.
-- All keys share the namespace's hash tag.
--
-- KEYS: 1 request record, 2 commit marker, 3 open reservations, 4 bucket index,
--       then per held bucket: counters hash, reservations sorted set,
--       then per charged bucket: counters hash, reservations sorted set
-- ARGV: 1 request id, 2 now (ms), 3 held bucket ids as the caller read or guessed them (newline
--       separated, empty when no live reservation), 4 number of held buckets, 5 mode (commit or release),
--       6 count without a reservation (1 or 0), 7 marker expiry (ms), 8 marker TTL (ms),
--       9 grace after a window's end (ms), 10 settlement (kept with the marker after its expiry,
--       returned to a duplicate), then per charged bucket: id, amount, limit, warn threshold, enforced (1 or 0), window end (ms)
-- Returns: for commit: status (0 committed, 2 duplicate, then the marker, 3 nothing counted,
--          9 record changed: read it again), then per charged bucket: used, reserved, crossed warn, crossed limit;
--          for release: 1 released, 0 nothing held, 2 already committed, 9 record changed
local id = ARGV[1]
local now = tonumber(ARGV[2])
local nHeld = tonumber(ARGV[4])
local grace = tonumber(ARGV[9])
local FIELDS = 6
local nCharged = (#KEYS - 4 - 2 * nHeld) / 2

local marker = redis.call('GET', KEYS[2])
if marker and tonumber(string.match(marker, '^%d+')) > now then
  return {2, marker}
end

local rec = redis.call('HMGET', KEYS[1], 'b', 'e')
local live = rec[2] and tonumber(rec[2]) > now
local held = ''
if live then
  held = rec[1] or ''
end
-- A live reservation must hold exactly the buckets the caller passed; with none, the caller's
-- (guessed) held buckets are left alone and only the charges count.
if held ~= ARGV[3] and held ~= '' then
  return {9}
end
if live then
  for i = 1, nHeld do
    release(KEYS[3 + 2 * i], id)
    redis.call('ZREM', KEYS[4 + 2 * i], id)
  end
  redis.call('ZREM', KEYS[3], id)
end
if rec[2] then
  redis.call('DEL', KEYS[1])
end

if ARGV[5] == 'release' then
  if live then
    return {1}
  end
  return {0}
end
-- Nothing held and nothing to count (a request refused at reserve): no marker either, so that
-- refused requests leave no state behind.
if not live and ARGV[6] ~= '1' then
  return {3}
end

local out = {0}
local base = 4 + 2 * nHeld
for i = 1, nCharged do
  local a = 11 + (i - 1) * FIELDS
  local h, z = KEYS[base + 2 * i - 1], KEYS[base + 2 * i]
  local windowEnd = tonumber(ARGV[a + 5])
  local used, res, crossedWarn, crossedLimit = 0, 0, 0, 0
  if windowEnd > now then
    purge(h, z, ARGV[2])
    if redis.call('HSETNX', h, 'used', '0') == 1 then
      local ttl = windowEnd - now + grace
      redis.call('PEXPIRE', h, string.format('%d', ttl))
      redis.call('ZADD', KEYS[4], ARGV[a + 5], ARGV[a])
      extend(KEYS[4], ttl)
    end
    used = redis.call('HINCRBY', h, 'used', ARGV[a + 1])
    local v = redis.call('HMGET', h, 'res', 'warned', 'over')
    res = tonumber(v[1] or '0')
    local total = used + res
    if not v[2] and total >= tonumber(ARGV[a + 3]) then
      redis.call('HSET', h, 'warned', '1')
      crossedWarn = 1
    end
    if not v[3] and total > tonumber(ARGV[a + 2]) then
      redis.call('HSET', h, 'over', '1')
      crossedLimit = 1
    end
  end
  out[#out + 1] = used
  out[#out + 1] = res
  out[#out + 1] = crossedWarn
  out[#out + 1] = crossedLimit
end
redis.call('SET', KEYS[2], ARGV[7] .. ' ' .. ARGV[10], 'PX', ARGV[8])
return out
