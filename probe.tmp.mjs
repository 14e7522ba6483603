import { Redis } from 'ioredis';
import { fork, spawn } from 'node:child_process';
import { EvsClient, JobWatcher } from '/work/wt/fleet/dist/index.js';
import { RedisFleet } from '/work/wt/fleet/dist/redis/index.js';
import { startSimulator } from '/work/wt/fleet/dist/simulator/index.js';
const port = 16399;
const rs = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
await new Promise(r => setTimeout(r, 300));
const url = `redis://127.0.0.1:${port}`;
const sim = await startSimulator({ recordRequests: true, faults: { latency: { min: 5, max: 30 } } });
const workers = Number(process.argv[2] ?? 1);
const n = Number(process.argv[3] ?? 2000);
const name = 'probe' + Date.now();
const FAST = { maxLag: 100, maxLagRatio: 0.1, durations: { '*': { median: 500, spread: 0.3 }, createVolume: { median: 500, spread: 0.3 } } };
const children = [];
for (let i = 0; i < workers; i++) {
  const config = { redisUrl: url, name, simUrl: sim.url, projectId: sim.projectId, watcher: { ...FAST, concurrency: 40, maxRequestsPerSecond: 4000 }, fleet: { lease: 1000, idleInterval: 200 } };
  const child = fork('/work/wt/fleet/test/redis/fixtures/worker.mjs', [JSON.stringify(config)], { execArgv: process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise(r => child.once('message', r));
  children.push(child);
}
const redis = new Redis(url);
const client = new EvsClient({ endpoint: sim.url, projectId: sim.projectId, credentials: 'none', allowInsecureHttp: true });
const fleet = new RedisFleet({ redis, name, worker: false });
const api = new JobWatcher({ client, fleet, ...FAST });
await fleet.ready();
const ids = Array.from({ length: n }, (_, i) => sim.addJob({ duration: 300 + (i % 7) * 60 }));
const t0 = performance.now(); const c0 = process.cpuUsage();
const wall0 = Date.now(); const settledAt = []; await Promise.all(ids.map(id => api.watch(id).then(() => settledAt.push(Date.now() - wall0))));
const hist = (xs) => { const h = {}; for (const x of xs) { const b = Math.floor(x / 500) * 500; h[b] = (h[b] ?? 0) + 1; } return JSON.stringify(h); };
console.log('polls at', hist(sim.stats().log.map(r => r.time - wall0)));
console.log('settled at', hist(settledAt));
const t = performance.now() - t0; const c = process.cpuUsage(c0);
console.log(`${workers} workers, ${n} jobs: ${t.toFixed(0)} ms, polls ${sim.stats().requests}, ${(sim.stats().requests / t * 1000).toFixed(0)} polls/s, test-process cpu ${((c.user + c.system) / 1000).toFixed(0)} ms`);
const stats = await redis.info('commandstats');
console.log(stats.split('\n').filter(l => l.startsWith('cmdstat')).map(l => l.replace(/,usec_per_call.*/, '')).join('\n'));
for (const child of children) { child.send('stop'); const m = await new Promise(r => child.on('message', m => m.event === 'stopped' && r(m))); console.log(JSON.stringify(m.fleet), 'sent', m.stats.pollsSent, 'cpu ms', (m.cpu.user + m.cpu.system) / 1000); }
await api.close(); await client.close(); redis.disconnect(); await sim.close(); rs.kill();
