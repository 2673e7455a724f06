-- Reads one bucket's counters after dropping its expired reservations (purge: buckets.lua).
-- KEYS: 1 counters hash, 2 reservations sorted set. ARGV: 1 now (ms).
-- Returns: used, reserved, tier falls (fall.lua).
purge(KEYS[1], KEYS[2], ARGV[1])
local v = redis.call('HMGET', KEYS[1], 'used', 'res', 'falls')
return {tonumber(v[1] or '0'), tonumber(v[2] or '0'), tonumber(v[3] or '0')}
