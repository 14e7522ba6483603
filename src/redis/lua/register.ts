import { PRELUDE } from './prelude.js';

/**
 * Registers interest in jobs, five ARGV per job: id, first poll delay ms, timeout ms, first record, and
 * 1 for a process newly interested (0: one already counted extends the deadline).
 * A job already final answers with its stored outcome; a known job gains one more interested process
 * and keeps its schedule (one schedule per job id for the whole fleet); a new one is due after its delay.
 * KEYS: due, control. ARGV: prefix, epoch, channel, credential key, then the jobs.
 * Returns `{'lost'}`, `{'auth', error}`, or `{'ok', id, outcome, …}` for the jobs already final.
 */
export const REGISTER = `${PRELUDE}
local control = redis.call('HMGET', KEYS[2], 'epoch', 'a:' .. ARGV[4])
if control[1] ~= ARGV[2] then return {'lost'} end
local now = now_ms()
local stop = stop_in_force(control[2], now)
if stop then return {'auth', stop} end
local prefix = ARGV[1]
local out = {'ok'}
local head = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local head_at = head[2] and tonumber(head[2]) or math.huge
local earliest = math.huge
for i = 5, #ARGV, 5 do
  local id = ARGV[i]
  local outcome = redis.call('GET', prefix .. 'o:' .. id)
  if outcome then
    out[#out + 1] = id
    out[#out + 1] = outcome
  else
    local key = state_key(prefix, id)
    local v = redis.call('HGET', key, id)
    local untl = now + tonumber(ARGV[i + 2])
    if v then
      local s = parse(v)
      s.interest = s.interest + tonumber(ARGV[i + 4])
      if untl > s.untl then s.untl = untl end
      redis.call('HSET', key, id, pack(s))
    else
      redis.call('HSET', key, id, pack({ fence = 0, interest = 1, untl = untl, owner = '', born = now, batch = '', record = ARGV[i + 3] }))
      local at = now + tonumber(ARGV[i + 1])
      redis.call('ZADD', KEYS[1], at, id)
      if at < earliest then earliest = at end
    end
  end
end
if earliest < head_at then redis.call('PUBLISH', ARGV[3], 'w' .. math.max(0, earliest - now)) end
return out
`;

/**
 * One process no longer waits for these jobs: a job nobody waits for is forgotten with its schedule.
 * KEYS: due, control. ARGV: prefix, epoch, then job ids.
 */
export const RELEASE = `${PRELUDE}
if redis.call('HGET', KEYS[2], 'epoch') ~= ARGV[2] then return 0 end
local prefix = ARGV[1]
for i = 3, #ARGV do
  local id = ARGV[i]
  local key = state_key(prefix, id)
  local v = redis.call('HGET', key, id)
  if v then
    local s = parse(v)
    s.interest = s.interest - 1
    if s.interest <= 0 then forget(prefix, KEYS[1], key, id, s) else redis.call('HSET', key, id, pack(s)) end
  end
end
return 1
`;

/**
 * A caller's deadline is near: the job's next poll comes no later than ARGV[3] ms from now, unless it is
 * claimed (a lease is not shortened); workers are woken when it moved. KEYS: due. ARGV: prefix, id, delay, channel.
 */
export const PULL = `${PRELUDE}
local key = state_key(ARGV[1], ARGV[2])
local v = redis.call('HGET', key, ARGV[2])
if not v or parse(v).owner ~= '' then return 0 end
local moved = redis.call('ZADD', KEYS[1], 'XX', 'LT', 'CH', now_ms() + tonumber(ARGV[3]), ARGV[2])
if moved == 1 then redis.call('PUBLISH', ARGV[4], 'w' .. ARGV[3]) end
return moved
`;
