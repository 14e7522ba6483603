// The one door to the library under test: its compiled build (`npm run build`),
// exactly what users install, so no benchmark times a TypeScript transform.
export { EvsClient, JobWatcher, isFinalStatus, parseJob, seededRandom } from '../../dist/index.js';
export type { Clock, FetchJob, Job, JobWatcherOptions, TimerHandle } from '../../dist/index.js';
export { startSimulator } from '../../dist/simulator/index.js';
// Internal, for the raw HTTP loops only: they must sign like every other client (the simulator checks AK/SK).
export { authorization, formatSdkDate } from '../../dist/client/auth/signer.js';
// The fleet benchmark: the Redis entry point, and (internal) the registration script, to fill Redis with watches fast.
export { RedisFleet } from '../../dist/redis/index.js';
export { REGISTER } from '../../dist/redis/lua/register.js';
export { LuaScript } from '../../dist/redis/script.js';
export { fleetKeys, stateKey } from '../../dist/redis/keys.js';
export { initialRecord } from '../../dist/redis/record.js';
