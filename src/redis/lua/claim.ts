import { BUDGET } from './budget.js';
import { PRELUDE } from './prelude.js';

/**
 * Claims due jobs for one worker, each under a lease on Redis's clock and with a new fencing token,
 * taking one request of the fleet's budget per job claimed (a claim is a poll about to go out).
 * A job whose lease ran out is due again, so a dead worker's jobs return to the fleet by themselves;
 * a job past every caller's deadline is forgotten.
 * KEYS: due, control. ARGV: prefix, epoch, want, lease ms, owner, max rate (0: none), burst seconds, credential key.
 * Returns `{'lost'}`, `{'auth', error}`, `{'idle', now, ms until the next due job (-1: none)}`,
 * `{'wait', now, ms until the budget allows one}`, or `{'claimed', now, ms until claiming again is worth it
 * (0: now, the batch was full; -1: nothing is due), then per job: id, fence, age ms, record, batch}`.
 */
export const CLAIM = `${PRELUDE}${BUDGET}
local b, control = load_budget(KEYS[2], { 'epoch', 'a:' .. ARGV[8] })
if control[1] ~= ARGV[2] then return {'lost'} end
local now = now_ms()
local stop = stop_in_force(control[2], now)
if stop then return {'auth', stop} end
local prefix = ARGV[1]
local head = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if not head[1] then return {'idle', now, -1} end
local head_at = tonumber(head[2])
if head_at > now then return {'idle', now, math.ceil(head_at - now)} end
local want = tonumber(ARGV[3])
local max_rate = tonumber(ARGV[6])
local granted, next_token, changed = take(b, now, want, max_rate, tonumber(ARGV[7]))
if granted == 0 then
  if changed then save_budget(KEYS[2], b) end
  return {'wait', now, next_token}
end
local ids = redis.call('ZRANGE', KEYS[1], '-inf', now, 'BYSCORE', 'LIMIT', 0, granted)
local lease_end = now + tonumber(ARGV[4])
local out = {'claimed', now, 0}
local claimed = 0
for _, id in ipairs(ids) do
  local key = state_key(prefix, id)
  local v = redis.call('HGET', key, id)
  if not v then
    redis.call('ZREM', KEYS[1], id)
  else
    local s = parse(v)
    if s.untl <= now then
      forget(prefix, KEYS[1], key, id, s)
    else
      s.fence = s.fence + 1
      s.owner = ARGV[5]
      redis.call('HSET', key, id, pack(s))
      redis.call('ZADD', KEYS[1], lease_end, id)
      local batch = ''
      if s.batch ~= '' then batch = redis.call('GET', prefix .. 'b:' .. id) or '' end
      out[#out + 1] = id
      out[#out + 1] = s.fence
      out[#out + 1] = now - s.born
      out[#out + 1] = s.record
      out[#out + 1] = batch
      claimed = claimed + 1
    end
  end
end
refund(b, granted - claimed, max_rate)
save_budget(KEYS[2], b)
if claimed == want then
  out[3] = 0
elseif granted < want then
  out[3] = next_token
else
  head = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if head[1] then out[3] = math.max(0, math.ceil(tonumber(head[2]) - now)) else out[3] = -1 end
end
return out
`;
