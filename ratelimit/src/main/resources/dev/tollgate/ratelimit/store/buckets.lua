-- Shared by reserve.lua and commit.lua (RedisBudgetStore prepends it to each): helpers over a
-- bucket's counters hash h and reservations sorted set z. ARGV[2] is "now" (ms) in both scripts.

-- gives back what request rid holds in bucket h
local function release(h, rid)
  local amt = redis.call('HGET', h, 'r:' .. rid)
  if amt then
    if amt ~= '0' then
      redis.call('HINCRBY', h, 'res', '-' .. amt)
    end
    redis.call('HDEL', h, 'r:' .. rid)
  end
end

-- gives back every reservation of bucket h whose expiry (its score in z) has passed
local function purge(h, z)
  local expired = redis.call('ZRANGEBYSCORE', z, '-inf', ARGV[2])
  for _, rid in ipairs(expired) do
    release(h, rid)
  end
  if #expired > 0 then
    redis.call('ZREMRANGEBYSCORE', z, '-inf', ARGV[2])
  end
end

local function extend(key, ttl)
  if redis.call('PTTL', key) < ttl then
    redis.call('PEXPIRE', key, string.format('%d', ttl))
  end
end

