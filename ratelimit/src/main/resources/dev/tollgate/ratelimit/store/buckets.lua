-- Shared by reserve.lua, commit.lua, read.lua and fall.lua (RedisBudgetStore prepends it to each): helpers
-- over a bucket's counters hash h and reservations sorted set z.

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

-- gives back every reservation of bucket h whose expiry (its score in z) is at or before now
-- (milliseconds, as the string the caller passed)
local function purge(h, z, now)
  local expired = redis.call('ZRANGEBYSCORE', z, '-inf', now)
  for _, rid in ipairs(expired) do
    release(h, rid)
  end
  if #expired > 0 then
    redis.call('ZREMRANGEBYSCORE', z, '-inf', now)
  end
end

local function extend(key, ttl)
  if redis.call('PTTL', key) < ttl then
    redis.call('PEXPIRE', key, string.format('%d', ttl))
  end
end

