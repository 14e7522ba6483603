import { describe, expect, it } from 'vitest';
import { EvsClient } from '../../src/client/evs-client.js';
import { RedisFleet } from '../../src/redis/index.js';
import { JobWatcher } from '../../src/watcher/job-watcher.js';
import { useRedis } from '../helpers/fleet.js';
import { useSimulators } from '../helpers/simulators.js';

const redis = useRedis();
const simulator = useSimulators();

describe('a fleet of one process', () => {
  it('polls a watched job through Redis until it finishes', async () => {
    const sim = await simulator({ defaultDuration: 300 });
    const client = new EvsClient({ endpoint: sim.url, projectId: sim.projectId, credentials: 'none', allowInsecureHttp: true });
    const fleet = new RedisFleet({ redis: redis.client(), name: redis.name(), lease: 2_000 });
    const watcher = new JobWatcher({ client, fleet, durations: { createVolume: { median: 300, spread: 0.2 } } });
    const jobId = sim.addJob();

    const job = await watcher.watch(jobId, { jobType: 'createVolume' });

    expect(job.status).toBe('SUCCESS');
    expect(fleet.stats()).toMatchObject({ outcomes: 1 });
    await watcher.close();
    await client.close();
  });
});
