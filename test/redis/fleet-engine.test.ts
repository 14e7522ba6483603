import { describe, expect, it } from 'vitest';
import { EvsClient } from '../../src/client/evs-client.js';
import { WatchTimeoutError } from '../../src/errors/watch-errors.js';
import { RedisFleet, type RedisFleetOptions } from '../../src/redis/index.js';
import { decodeRecord, encodeBatch, encodeRecord, initialRecord } from '../../src/redis/record.js';
import { JobWatcher } from '../../src/watcher/job-watcher.js';
import type { WatchRecord } from '../../src/watcher/watch.js';
import { useRedis } from '../helpers/fleet.js';
import { useSimulators } from '../helpers/simulators.js';

const redis = useRedis();
const simulator = useSimulators();

describe('RedisFleet options: exact TypeError messages', () => {
  it.each([
    ['no redis client', { name: 'x' }, 'Expected `redis` to be an ioredis client (new Redis(…)), got `undefined` (undefined)'],
    ['an empty name', { name: '' }, 'Expected `name` to be a non-empty string, got `` (string)'],
    ['a name with a brace', { name: 'a{b}' }, 'Expected `name` to be 1 to 64 letters, digits or _ . : -, got "a{b}"'],
    ['a lease under 100 ms', { name: 'x', lease: 50 }, 'Expected `lease` to be an integer from 100 to 2147483647, got `50` (number)'],
    ['an unknown option', { name: 'x', leases: 1 }, 'Unknown option `options.leases` (did you mean `lease`?)'],
  ])('throws for %s', (_what, options, message) => {
    const withRedis = 'name' in options && _what !== 'no redis client' ? { redis: redis.client(), ...options } : options;
    expect(() => new RedisFleet(withRedis as RedisFleetOptions)).toThrow(message);
  });

  it('serves one watcher', () => {
    const fleet = new RedisFleet({ redis: redis.client(), name: redis.name() });
    const watcher = new JobWatcher({ fetchJob: () => Promise.reject(new Error('unused')), fleet });
    expect(() => new JobWatcher({ fetchJob: () => Promise.reject(new Error('unused')), fleet })).toThrow('Expected a RedisFleet to serve one JobWatcher: make one per watcher');
    return watcher.destroy();
  });
});

describe("a watch's record in Redis", () => {
  const record: WatchRecord = {
    jobId: 'a'.repeat(32),
    jobType: 'batchCreateVolume',
    status: 'RUNNING',
    beginTime: 1_733_100_000_123,
    elapsed: 4_000,
    polls: 12,
    errors: 1,
    notFound: 0,
    confirmations: 0,
    subJobsDone: ['b'.repeat(32)],
    subJobsFailed: 1,
  };

  it('round-trips, and fits the compact hash encoding (64 bytes with its header)', () => {
    const text = encodeRecord(record);
    expect(decodeRecord(record.jobId, text, record.elapsed, encodeBatch(record))).toEqual(record);
    expect(`12,1,m4a1b2c3,abc123,m4a19zzz,1|${text}`.length).toBeLessThanOrEqual(64);
  });

  it('keeps statuses and types it does not know, | and % included', () => {
    const odd = { ...record, jobType: 'a|b%c', status: 'PENDING|x', subJobsDone: undefined, subJobsFailed: 0 };
    expect(decodeRecord(odd.jobId, encodeRecord(odd), odd.elapsed, '')).toEqual(odd);
    expect(decodeRecord('j', initialRecord('createVolume'), 0, '')).toMatchObject({ jobType: 'createVolume', status: undefined, polls: 0 });
  });
});

describe('a fleet of one process', () => {
  it('polls a watched job through Redis until it finishes', async () => {
    const sim = await simulator({ defaultDuration: 300 });
    const client = new EvsClient({ endpoint: sim.url, projectId: sim.projectId, credentials: 'none', allowInsecureHttp: true });
    const fleet = new RedisFleet({ redis: redis.client(), name: redis.name(), lease: 2_000 });
    const watcher = new JobWatcher({ client, fleet, maxLag: 100, durations: { createVolume: { median: 300, spread: 0.2 } } });

    const job = await watcher.watch(sim.addJob(), { jobType: 'createVolume' });

    expect(job.status).toBe('SUCCESS');
    expect(fleet.stats()).toMatchObject({ outcomes: 1, claimed: 1, fenced: 0 });
    expect(watcher.stats()).toMatchObject({ watched: 0, pollsSent: 1, finished: 1 });
    await watcher.close();
    await client.close();
  });

  it('shares what it learned: a process that joins later plans from the fleet\'s durations', async () => {
    const sim = await simulator();
    const name = redis.name();
    const client = new EvsClient({ endpoint: sim.url, projectId: sim.projectId, credentials: 'none', allowInsecureHttp: true });
    const fleet = new RedisFleet({ redis: redis.client(), name, learnInterval: 60_000 });
    const watcher = new JobWatcher({ client, fleet, maxLag: 100, durations: { extendVolume: { median: 300, spread: 0.3 } } });
    await watcher.watchAll(Array.from({ length: 5 }, () => sim.addJob({ jobType: 'extendVolume', duration: 300 })), { jobType: 'extendVolume' });
    await watcher.close();
    await client.close();

    const late = new RedisFleet({ redis: redis.client(), name, worker: false });
    const joined = new JobWatcher({ fetchJob: () => Promise.reject(new Error('unused')), fleet: late });
    await late.ready();
    const learned = joined.snapshot().learned as unknown as { stats: { types: Record<string, { finished: Record<string, Record<string, number>> } | undefined> } };
    const finished = Object.values(learned.stats.types['extendVolume']?.finished ?? {}).flatMap((bins) => Object.values(bins));
    expect(finished.reduce((sum, count) => sum + count, 0)).toBe(5);
    await joined.destroy();
  });

  it('pulls the poll of a job in before a caller\'s deadline, then times the caller out', async () => {
    const sim = await simulator();
    const client = new EvsClient({ endpoint: sim.url, projectId: sim.projectId, credentials: 'none', allowInsecureHttp: true });
    const fleet = new RedisFleet({ redis: redis.client(), name: redis.name(), idleInterval: 50 });
    // Planned from the default priors, the first poll of a create would come ~10 s in: after the deadline.
    const watcher = new JobWatcher({ client, fleet });
    const jobId = sim.addJob({ duration: 60_000 });

    const error = await watcher.watch(jobId, { jobType: 'createVolume', timeout: 1_500 }).catch((reason: unknown) => reason);

    expect(error).toBeInstanceOf(WatchTimeoutError);
    expect(sim.stats().requestsPerJob.get(jobId)).toBe(1);
    await watcher.close();
    await client.close();
  });
});
