/**
 * Lua shared by every script: Redis's own clock, base-36 numbers, the bucket of
 * a job id, and the header of a job's state. A job's state is one field of a
 * small hash (`s:<bucket>`), `fence,interest,until,owner,born,batch|record`:
 * the header is the scripts' to read and write; `record` is the watcher's
 * (see record.ts) and Lua only stores it.
 */
export const PRELUDE = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local DIGITS = '0123456789abcdefghijklmnopqrstuvwxyz'
local function b36(n)
  n = math.floor(n)
  if n <= 0 then return '0' end
  local s = ''
  while n > 0 do
    local d = n % 36
    s = string.sub(DIGITS, d + 1, d + 1) .. s
    n = math.floor(n / 36)
  end
  return s
end
local function state_key(prefix, id)
  local h = 0
  for i = 1, #id do h = (h * 31 + string.byte(id, i)) % 65536 end
  return prefix .. 's:' .. (h % 16384)
end
local function parse(v)
  local fence, interest, untl, owner, born, batch, record = string.match(v, '^(%d+),(%d+),(%w*),(%w*),(%w*),(%w*)|(.*)$')
  return { fence = tonumber(fence), interest = tonumber(interest), untl = tonumber(untl, 36) or 0, owner = owner,
    born = tonumber(born, 36) or 0, batch = batch, record = record }
end
local function pack(s)
  return s.fence .. ',' .. s.interest .. ',' .. b36(s.untl) .. ',' .. s.owner .. ',' .. b36(s.born) .. ',' .. s.batch .. '|' .. s.record
end
-- The error of a credential stop still in force at now, if any (field a:<key> of the control hash: until|error).
local function stop_in_force(v, now)
  if not v then return nil end
  local untl, err = string.match(v, '^(%d+)|(.*)$')
  if untl and tonumber(untl) > now then return err end
  return nil
end
local function forget(prefix, due, key, id, s)
  redis.call('HDEL', key, id)
  redis.call('ZREM', due, id)
  if s.batch ~= '' then redis.call('DEL', prefix .. 'b:' .. id) end
end
`;
