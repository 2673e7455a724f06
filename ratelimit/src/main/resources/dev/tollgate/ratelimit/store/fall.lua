-- Counts one request of a tiered rule that fell to its tier because of this bucket, in the
-- bucket's window, next to its counters (field falls), so that every replica reads the same count.
-- A bucket never charged is created empty, as a commit creates one (expiry, index).
-- KEYS: 1 counters hash, 2 bucket index.
-- ARGV: 1 now (ms), 2 bucket id, 3 window end (ms), 4 grace after a window's end (ms).
-- Returns: {the bucket's count after this one} ({0} when the window has ended).
local now = tonumber(ARGV[1])
local windowEnd = tonumber(ARGV[3])
if windowEnd <= now then
  return {0}
end
if redis.call('HSETNX', KEYS[1], 'used', '0') == 1 then
  local ttl = windowEnd - now + tonumber(ARGV[4])
  redis.call('PEXPIRE', KEYS[1], string.format('%d', ttl))
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
  extend(KEYS[2], ttl)
end
return {redis.call('HINCRBY', KEYS[1], 'falls', 1)}
