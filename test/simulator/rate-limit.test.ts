import { describe, expect, it } from 'vitest';
import { createFakeClock } from '../helpers/fake-clock.js';
import { body, getJob, send, useSimulators } from './helpers.js';

const start = useSimulators();

describe('the gateway rate limit', () => {
  it('lets `burst` requests through, then refills at requestsPerSecond on the injected clock', async () => {
    const clock = createFakeClock();
    const simulator = await start({ clock, faults: { rateLimit: { requestsPerSecond: 2, burst: 3 } } });
    const jobId = simulator.addJob();
    const poll = async (): Promise<number> => (await getJob(simulator, jobId)).status;

    expect([await poll(), await poll(), await poll(), await poll()]).toEqual([200, 200, 200, 429]);
    await clock.tick(499);
    expect(await poll()).toBe(429);
    await clock.tick(1);
    expect([await poll(), await poll()]).toEqual([200, 429]);
    await clock.tick(60_000);
    expect([await poll(), await poll(), await poll(), await poll()]).toEqual([200, 200, 200, 429]);
    expect(simulator.stats().faults.rateLimit).toBe(4);
  });

  it('never drains when the clock steps back: the tokens held stay, and refilling goes on from the new reading', async () => {
    let monotonic = 1_000_000;
    const clock = { ...createFakeClock(), monotonicNow: () => monotonic };
    const simulator = await start({ clock, faults: { rateLimit: { requestsPerSecond: 1, burst: 2 } } });
    const jobId = simulator.addJob();
    const poll = async (): Promise<number> => (await getJob(simulator, jobId)).status;

    expect(await poll()).toBe(200);
    monotonic -= 600_000;
    expect([await poll(), await poll()]).toEqual([200, 429]);
    monotonic += 1_000;
    expect([await poll(), await poll()]).toEqual([200, 429]);
  });

  it('answers APIGW.0308 quoting the per-minute limit, with Retry-After per throttleRetryAfter', async () => {
    const clock = createFakeClock();
    const simulator = await start({ clock, faults: { rateLimit: { requestsPerSecond: 2, burst: 1 }, throttleRetryAfter: 3 } });
    const jobId = simulator.addJob();
    await getJob(simulator, jobId);
    const reply = await getJob(simulator, jobId);

    expect(reply.status).toBe(429);
    expect(reply.headers['retry-after']).toBe('3');
    expect(body(reply)).toMatchObject({
      error_code: 'APIGW.0308',
      error_msg: 'The throttling threshold has been reached: policy user over ratelimit,limit:120,time:1 minute',
    });
  });

  it('counts every request, whatever the route', async () => {
    const clock = createFakeClock();
    const simulator = await start({ clock, faults: { rateLimit: { requestsPerSecond: 1 } } });

    expect((await send(simulator, 'GET', '/nowhere')).status).toBe(404);
    expect((await send(simulator, 'DELETE', `/v2/${simulator.projectId}/cloudvolumes/v`)).status).toBe(429);
  });
});
