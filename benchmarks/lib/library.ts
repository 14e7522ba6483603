// The one door to the library under test: its compiled build (`npm run build`),
// exactly what users install, so no benchmark times a TypeScript transform.
export { EvsClient, JobWatcher, isFinalStatus, parseJob, seededRandom } from '../../dist/index.js';
export type { Clock, FetchJob, Job, JobWatcherOptions, TimerHandle } from '../../dist/index.js';
export { startSimulator } from '../../dist/simulator/index.js';
// Internal, for the raw HTTP loops only: they must sign like every other client (the simulator checks AK/SK).
export { authorization, formatSdkDate } from '../../dist/client/auth/signer.js';
