// The simulator in its own process, so the server never competes with the client being measured for one event loop.
// Prints one JSON line { url, projectId, jobIds } once listening; exits when stdin closes.
import { seededRandom, startSimulator } from '../lib/library.js';
import { ACCESS_KEY, SECRET_KEY } from './credentials.js';

const jobs = Number(process.argv[2] ?? 20_000);
const simulator = await startSimulator({
  auth: { accessKey: ACCESS_KEY, secretKey: SECRET_KEY },
  random: seededRandom(1),
  // Ten days: every job stays RUNNING for the whole benchmark.
  defaultDuration: 864_000_000,
});
const jobIds = Array.from({ length: jobs }, () => simulator.addJob({ jobType: 'createVolume' }));
process.stdout.write(`${JSON.stringify({ url: simulator.url, projectId: simulator.projectId, jobIds })}\n`);
process.stdin.resume();
process.stdin.on('end', () => void simulator.close().then(() => process.exit(0)));
