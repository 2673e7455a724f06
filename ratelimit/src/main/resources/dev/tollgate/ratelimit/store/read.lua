-- Reads one bucket's counters after dropping its expired reservations.
-- KEYS: 1 counters hash, 2 reservations sorted set. ARGV: 1 now (ms).
-- Returns: used, reserved.
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
for _, rid in ipairs(expired) do
  local amt = redis.call('HGET', KEYS[1], 'r:' .. rid)
  if amt then
    if amt ~= '0' then
      redis.call('HINCRBY', KEYS[1], 'res', '-' .. amt)
    end
    redis.call('HDEL', KEYS[1], 'r:' .. rid)
  end
end
if #expired > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
end
local v = redis.call('HMGET', KEYS[1], 'used', 'res')
return {tonumber(v[1] or '0'), tonumber(v[2] or '0')}
