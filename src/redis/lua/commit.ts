import { PRELUDE } from './prelude.js';

/**
 * Writes what polls found, seven ARGV per job: id, fence, kind, delay ms, age ms, record, batch.
 * Each entry counts only if its fence is still the job's (a worker whose lease ran out and was claimed
 * again writes nothing). Kinds: 'n' the next poll in `delay` (record, age and batch as found, batch '-'
 * kept as is); 'g' given back unpolled, due in `delay`; 'o' final, `record` being the outcome: stored for
 * ARGV[4] ms, published, and the job forgotten.
 * KEYS: due, control. ARGV: prefix, epoch, channel, outcome ttl, then the entries.
 * Returns 1/0 per entry (0: fenced off), or `{'lost'}`.
 */
export const COMMIT = `${PRELUDE}
if redis.call('HGET', KEYS[2], 'epoch') ~= ARGV[2] then return {'lost'} end
local now = now_ms()
local prefix = ARGV[1]
local out = {}
for i = 5, #ARGV, 7 do
  local id = ARGV[i]
  local key = state_key(prefix, id)
  local v = redis.call('HGET', key, id)
  local ok = 0
  if v then
    local s = parse(v)
    if s.fence == tonumber(ARGV[i + 1]) then
      ok = 1
      local kind = ARGV[i + 2]
      if kind == 'o' then
        local outcome = ARGV[i + 5]
        redis.call('SET', prefix .. 'o:' .. id, outcome, 'PX', ARGV[4])
        redis.call('PUBLISH', ARGV[3], 'o' .. id .. '\\n' .. outcome)
        forget(prefix, KEYS[1], key, id, s)
      else
        s.owner = ''
        if kind == 'n' then
          s.record = ARGV[i + 5]
          s.born = now - tonumber(ARGV[i + 4])
          local batch = ARGV[i + 6]
          if batch == '' then
            if s.batch ~= '' then redis.call('DEL', prefix .. 'b:' .. id) end
            s.batch = ''
          elseif batch ~= '-' then
            redis.call('SET', prefix .. 'b:' .. id, batch)
            s.batch = '1'
          end
        end
        redis.call('HSET', key, id, pack(s))
        redis.call('ZADD', KEYS[1], now + tonumber(ARGV[i + 3]), id)
      end
    end
  end
  out[#out + 1] = ok
end
return out
`;
