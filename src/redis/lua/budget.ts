/**
 * The fleet's request budget, in Lua over one hash: a pause after a 429, AIMD
 * on the rate, and GCRA to hand out requests. It is schedule/throttle.ts run
 * on Redis's clock for the whole fleet (same constants, same episodes), since
 * one process's view of the rate says nothing about the account's.
 *
 * GCRA: a request conforms while the theoretical arrival time `tat` is at most
 * `tolerance` ahead of now; each one pushes `tat` by 1/rate. Any window of T ms then
 * holds at most rate·T + burst requests, with burst = `burst_s` seconds of the rate.
 */
export const BUDGET = `
local MIN_RATE = 1
local EPISODE_GAP = 10000
local BACK_OFF_TO = 0.9
local PROBE_AFTER = 30000
local MEASURE_WINDOW = 2000
local FIELDS = { 'tat', 'rate', 'ceil', 'li', 'acs', 'pu', 'ps', 'lp', 'n', 'ws', 'cur', 'prev' }
-- The budget, read with any other fields of the same hash (their raw values come second): one read per claim.
local function load_budget(key, extra)
  local names = {}
  for _, name in ipairs(extra or {}) do names[#names + 1] = name end
  for _, name in ipairs(FIELDS) do names[#names + 1] = name end
  local raw = redis.call('HMGET', key, unpack(names))
  local extras = {}
  local offset = #names - #FIELDS
  for i = 1, offset do extras[i] = raw[i] end
  local b = {}
  for i, name in ipairs(FIELDS) do b[name] = tonumber(raw[offset + i]) end
  b.rate = b.rate or -1
  b.ceil = b.ceil or -1
  b.acs = b.acs or -1
  b.ps = b.ps or -1
  for _, name in ipairs({ 'tat', 'li', 'pu', 'lp', 'n', 'ws', 'cur', 'prev' }) do b[name] = b[name] or 0 end
  return b, extras
end
local function save_budget(key, b)
  local args = {}
  for _, name in ipairs(FIELDS) do
    args[#args + 1] = name
    args[#args + 1] = tostring(b[name])
  end
  redis.call('HSET', key, unpack(args))
end
local function ceiling(b) if b.ceil < 0 then return math.huge end return b.ceil end
local function since(v) if v < 0 then return math.huge end return v end
-- Additive increase after a throttle: a step per quiet second up to the ceiling; a probe 10 % higher after a quiet spell there.
-- Returns whether it changed anything.
local function increase(b, now, max_rate)
  if b.rate < 0 or now - b.li < 1000 then return false end
  local seconds = math.floor((now - b.li) / 1000)
  b.li = b.li + seconds * 1000
  local configured = max_rate > 0 and max_rate or math.huge
  if b.rate >= ceiling(b) then
    b.acs = math.min(since(b.acs), now)
    if now - b.acs < PROBE_AFTER or ceiling(b) >= configured then return true end
    b.ceil = math.min(configured, ceiling(b) * 1.1)
    b.acs = now
  end
  b.rate = math.min(ceiling(b), b.rate + seconds * math.max(MIN_RATE / 2, ceiling(b) / 20))
  if b.rate >= ceiling(b) then b.acs = math.min(since(b.acs), now) end
  return true
end
local function count(b, now, n)
  if now - b.ws >= 1000 then
    if now - b.ws >= 2000 then b.prev = 0 else b.prev = b.cur end
    b.cur = 0
    b.ws = now
  end
  b.cur = b.cur + n
end
-- Up to want requests now from the budget b (changed in place; the caller saves it): returns how many,
-- the ms until claiming again is worth it (when none: until the budget holds a full burst, so waiting
-- workers do not wake for one request each), and whether b changed.
local function take(b, now, want, max_rate, burst_s)
  if now < b.pu then return 0, b.pu - now, false end
  local changed = increase(b, now, max_rate)
  local rate = b.rate
  if rate < 0 or (max_rate > 0 and rate > max_rate) then rate = max_rate end
  if rate <= 0 then
    count(b, now, want)
    return want, 0, true
  end
  local interval = 1000 / rate
  local tolerance = (math.max(1, math.floor(rate * burst_s)) - 1) * interval
  local tat = math.max(b.tat, now)
  local conforming = math.floor((now + tolerance - tat) / interval) + 1
  if conforming <= 0 then return 0, math.ceil(tat - now), changed end
  local granted = math.min(conforming, want)
  b.tat = tat + granted * interval
  count(b, now, granted)
  return granted, math.max(0, math.ceil(b.tat - tolerance - now)), true
end
-- Hands back requests taken but not sent.
local function refund(b, n, max_rate)
  if n <= 0 then return end
  local rate = b.rate
  if rate < 0 or (max_rate > 0 and rate > max_rate) then rate = max_rate end
  if rate > 0 then b.tat = b.tat - n * 1000 / rate end
  b.cur = math.max(0, b.cur - n)
end
`;

/**
 * A 429 answered a request sent at Redis time ARGV[2]: the whole fleet pauses (exactly `Retry-After` when
 * given, else a jittered doubling backoff) and resumes at half the rate it ran at, climbing back gently.
 * KEYS: control. ARGV: sentAt, retryAfter (-1: none), throttleDelay, maxThrottleDelay, random, max rate (0: none).
 * Returns {escalated (0/1), pause ms, rate after}.
 */
export const THROTTLE = `${BUDGET}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = load_budget(KEYS[1])
local sent_at = tonumber(ARGV[1])
local max_rate = tonumber(ARGV[6])
local function current(rate) if rate < 0 then if max_rate > 0 then return max_rate end return math.huge end return rate end
if b.ps >= 0 and sent_at <= b.ps then return { 0, math.max(0, b.pu - now), tostring(current(b.rate)) } end
local same_episode = b.ps >= 0 and now - b.ps < b.lp + EPISODE_GAP
if same_episode then b.n = b.n + 1 else b.n = 1 end
local pause = tonumber(ARGV[2])
if pause < 0 then
  pause = math.floor(math.min(tonumber(ARGV[4]), tonumber(ARGV[3]) * 2 ^ (math.min(b.n, 32) - 1)) * (0.5 + 0.5 * tonumber(ARGV[5])) + 0.5)
end
local resumed_at = -math.huge
if b.ps >= 0 then resumed_at = b.pu end
b.lp = pause
b.ps = now
b.pu = math.max(b.pu, now + pause)
local running = math.min(current(b.rate), math.max(b.cur, b.prev, MIN_RATE))
if now - resumed_at >= MEASURE_WINDOW then b.ceil = math.max(MIN_RATE, running * BACK_OFF_TO) end
b.acs = -1
b.rate = math.max(MIN_RATE, running / 2)
-- Polling resumes at the end of the pause with one request, then at the new rate: no burst.
b.tat = b.pu
b.li = b.pu
save_budget(KEYS[1], b)
return { 1, pause, tostring(b.rate) }
`;
