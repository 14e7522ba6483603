/**
 * The fleet's epoch: a random id set once per Redis data set. A Redis that restarts without its data
 * (no AOF) has none, or another, and every script refuses to run on it: the fleet's state was lost.
 * KEYS: epoch. ARGV: a new random id. Returns the epoch in force.
 */
export const EPOCH = `
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('GET', KEYS[1])
`;

/**
 * Credentials were refused: every process polling with them stops, for ARGV[1] ms.
 * KEYS: auth stop. ARGV: ttl, error, channel, credential key.
 */
export const AUTH_STOP = `
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[1])
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
