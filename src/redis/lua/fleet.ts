/**
 * The fleet's epoch: a random id set once per Redis data set. A Redis that restarts without its data
 * (no AOF) has none, or another, and every script refuses to run on it: the fleet's state was lost.
 * KEYS: control. ARGV: a new random id. Returns the epoch in force.
 */
export const EPOCH = `
redis.call('HSETNX', KEYS[1], 'epoch', ARGV[1])
return redis.call('HGET', KEYS[1], 'epoch')
`;

/**
 * Credentials were refused: every process polling with them stops, for ARGV[1] ms.
 * KEYS: control. ARGV: ttl, error, channel, credential key.
 */
export const AUTH_STOP = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], 'a:' .. ARGV[4], (now + tonumber(ARGV[1])) .. '|' .. ARGV[2])
redis.call('PUBLISH', ARGV[3], 'a' .. ARGV[4] .. '\\n' .. ARGV[2])
return 1
`;

/**
 * Replaces what the fleet learned if nobody else did since it was read (revision ARGV[1]).
 * KEYS: learned. ARGV: revision read, new blob. Returns 1, or 0 when someone else wrote first.
 */
export const LEARN = `
local rev = redis.call('HGET', KEYS[1], 'rev') or '0'
if rev ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'rev', tonumber(rev) + 1, 'blob', ARGV[2])
return 1
`;
