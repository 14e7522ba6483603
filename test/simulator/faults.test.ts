import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/clock/seeded-random.js';
import type { FaultOptions, Simulator } from '../../src/simulator/index.js';
import { createFakeClock, settle } from '../helpers/fake-clock.js';
import { anyString, body, getJob, send, useSimulators, type HttpReply } from './helpers.js';

const start = useSimulators();

describe('scripted faults', () => {
  it('are consumed one per job GET, before probabilities; `none` passes', async () => {
    const simulator = await start({ faults: { script: ['error500', 'none', 'error503'] } });
    const jobId = simulator.addJob();

    const statuses = [];
    for (let poll = 0; poll < 4; poll++) statuses.push((await getJob(simulator, jobId)).status);
    expect(statuses).toEqual([500, 200, 503, 200]);
    expect(simulator.stats().faults).toMatchObject({ error500: 1, error503: 1 });
  });

  it('only touch job GETs', async () => {
    const simulator = await start({ faults: { script: ['error500'] } });
    const created = await send(simulator, 'DELETE', `/v2/${simulator.projectId}/cloudvolumes/vol-1`);

    expect(created.status).toBe(202);
    expect((await getJob(simulator, String(body(created)['job_id']))).status).toBe(500);
  });

  it('error500 and error503 answer with EVS error bodies', async () => {
    const simulator = await start({ faults: { script: ['error500', 'error503'] } });
    const jobId = simulator.addJob();

    expect(body(await getJob(simulator, jobId))).toEqual({ error: { message: anyString, code: 'EVS.5000' } });
    expect(body(await getJob(simulator, jobId))).toEqual({ error: { message: anyString, code: 'EVS.5030' } });
  });

  it('throttle answers 429 APIGW.0308, with Retry-After only when throttleRetryAfter is set', async () => {
    const simulator = await start({ faults: { script: ['throttle'] } });
    const jobId = simulator.addJob();

    const bare = await getJob(simulator, jobId);
    expect(bare.status).toBe(429);
    expect(bare.headers['retry-after']).toBeUndefined();
    expect(body(bare)).toEqual({
      error_msg: 'The throttling threshold has been reached: policy user over ratelimit,limit:1200,time:1 minute',
      error_code: 'APIGW.0308',
      request_id: bare.headers['x-request-id'],
    });

    simulator.setFaults({ script: ['throttle'], throttleRetryAfter: 7 });
    const timed = await getJob(simulator, jobId);
    expect(timed.status).toBe(429);
    expect(timed.headers['retry-after']).toBe('7');
  });

  it('reset destroys the socket without an answer', async () => {
    const simulator = await start({ faults: { script: ['reset'] } });
    const jobId = simulator.addJob();

    await expect(getJob(simulator, jobId)).rejects.toThrow(/other side closed|socket/i);
    expect((await getJob(simulator, jobId)).status).toBe(200);
    expect(simulator.stats().faults.reset).toBe(1);
  });

  it('malformed answers 200 with a body that is not JSON', async () => {
    const simulator = await start({ faults: { script: ['malformed'] } });
    const reply = await getJob(simulator, simulator.addJob());

    expect(reply.status).toBe(200);
    expect(reply.text).toMatch(/^\{"status":RUNNING,/);
    expect(() => JSON.parse(reply.text) as unknown).toThrow(SyntaxError);
  });

  it('truncated answers 200 with half the JSON and a matching Content-Length', async () => {
    const simulator = await start({ faults: { script: ['truncated'] } });
    const jobId = simulator.addJob();
    const full = JSON.stringify(simulator.jobState(jobId));
    const reply = await getJob(simulator, jobId);

    expect(reply.status).toBe(200);
    expect(reply.text).toBe(full.slice(0, Math.floor(full.length / 2)));
    expect(reply.headers['content-length']).toBe(String(reply.text.length));
  });

  it('oversize answers 200 with a valid 2 MiB job', async () => {
    const simulator = await start({ faults: { script: ['oversize'] } });
    const jobId = simulator.addJob();
    const reply = await getJob(simulator, jobId);

    expect(reply.status).toBe(200);
    expect(Buffer.byteLength(reply.text)).toBe(2 * 1024 * 1024);
    expect(body(reply)).toMatchObject({ job_id: jobId, status: 'RUNNING' });
  });

  it('notFound answers 400 Common.0011 for a job that exists', async () => {
    const simulator = await start({ faults: { script: ['notFound'] } });
    const reply = await getJob(simulator, simulator.addJob());

    expect(reply.status).toBe(400);
    expect(body(reply)).toMatchObject({ error: { code: 'Common.0011' } });
  });

  it('body faults on an unknown job still answer 400', async () => {
    const simulator = await start({ faults: { script: ['malformed'] } });

    expect((await getJob(simulator, 'f'.repeat(32))).status).toBe(400);
  });
});

describe('fault probabilities', () => {
  async function statuses(simulator: Simulator, polls: number): Promise<number[]> {
    const jobId = simulator.addJob();
    const seen: number[] = [];
    for (let poll = 0; poll < polls; poll++) seen.push((await getJob(simulator, jobId)).status);
    return seen;
  }

  it('draw each job GET from the injected random, so a seed repeats a run exactly', async () => {
    const faults = { error500: 0.3, throttle: 0.2 };
    const first = await statuses(await start({ random: seededRandom(42), faults }), 200);
    const second = await statuses(await start({ random: seededRandom(42), faults }), 200);

    expect(second).toEqual(first);
    const count = (status: number): number => first.filter((seen) => seen === status).length;
    expect(count(500)).toBeGreaterThan(40);
    expect(count(500)).toBeLessThan(80);
    expect(count(429)).toBeGreaterThan(20);
    expect(count(429)).toBeLessThan(60);
    expect(count(200)).toBe(200 - count(500) - count(429));
  });

  it('apply once the script is used up', async () => {
    const simulator = await start({ faults: { script: ['none', 'none'], error503: 1 } });

    expect(await statuses(simulator, 3)).toEqual([200, 200, 503]);
  });

  it('can be replaced at run time', async () => {
    const simulator = await start({ faults: { error500: 1 } });
    const jobId = simulator.addJob();

    expect((await getJob(simulator, jobId)).status).toBe(500);
    simulator.setFaults({});
    expect((await getJob(simulator, jobId)).status).toBe(200);
  });

  it('are validated with exact messages', async () => {
    const simulator = await start();

    expect(() => simulator.setFaults({ error500: 1.5 })).toThrow(new TypeError('Expected `faults.error500` to be a number from 0 to 1, got `1.5` (number)'));
    expect(() => simulator.setFaults({ error500: 0.6, reset: 0.6 })).toThrow('Expected the fault probabilities to sum to at most 1, got `1.2`');
    expect(() => simulator.setFaults({ latency: { min: 10, max: 5 } })).toThrow('Expected `faults.latency.max` to be a number from 10 to 2147483647, got `5` (number)');
    expect(() => simulator.setFaults({ rateLimit: { requestsPerSecond: 0 } })).toThrow(
      'Expected `faults.rateLimit.requestsPerSecond` to be a number from 0.01 to 1000000, got `0` (number)',
    );
    expect(() => simulator.setFaults({ script: ['boom' as 'none'] })).toThrow('Unknown fault `boom` in `faults.script`');
    expect(() => simulator.setFaults({ trottle: 0.1 } as FaultOptions)).toThrow(
      new TypeError(
        'Unknown option `faults.trottle` (did you mean `throttle`?); known: error500, error503, throttle, reset, malformed, truncated, oversize, notFound, latency, latencyProbability, script, throttleRetryAfter, rateLimit',
      ),
    );
    expect(() => simulator.setFaults({ reset: null } as unknown as FaultOptions)).toThrow(
      'Expected `faults.reset` to be a value, got null: leave it out (or pass undefined) for the default',
    );
    expect(() => simulator.setFaults({ rateLimit: { requestsPerSecond: 5, bust: 10 } } as FaultOptions)).toThrow(
      'Unknown option `faults.rateLimit.bust` (did you mean `burst`?); known: requestsPerSecond, burst',
    );
    expect(() => simulator.setFaults({ latency: { min: 10, max: 20, mean: 15 } } as FaultOptions)).toThrow('Unknown option `faults.latency.mean` (did you mean `min`?); known: min, max');
    expect(() => simulator.setFaults({ script: 'reset' } as unknown as FaultOptions)).toThrow('Expected `faults.script` to be an array, got `reset` (string)');
    expect(() => simulator.setFaults(null as unknown as FaultOptions)).toThrow('Expected `faults` to be an object, got null');
    expect(() => simulator.setFaults({ throttleRetryAfter: 1.5 })).toThrow('Expected `faults.throttleRetryAfter` to be an integer from 0 to 2147483, got `1.5` (number)');
  });
});

describe('latency', () => {
  /** Starts a job GET and reports whether it has been answered yet. */
  function poll(simulator: Simulator, jobId: string): { reply: Promise<HttpReply>; done: () => boolean } {
    let done = false;
    const reply = getJob(simulator, jobId).finally(() => {
      done = true;
    });
    return { reply, done: () => done };
  }

  /** Lets real I/O run until the simulator has started `count` delays in all. */
  const delaysStarted = (simulator: Simulator, count: number): Promise<void> =>
    settle(() => simulator.stats().faults.latency >= count, 1_000);

  it('delays job GETs on the injected clock, and the answer reflects the state when sent', async () => {
    const clock = createFakeClock();
    const simulator = await start({ clock, faults: { latency: 5_000 } });
    const jobId = simulator.addJob({ duration: 3_000 });
    const pending = poll(simulator, jobId);

    await delaysStarted(simulator, 1);
    await clock.tick(4_999);
    await settle(pending.done, 50);
    expect(pending.done()).toBe(false);
    await clock.tick(1);
    expect(body(await pending.reply)).toMatchObject({ status: 'SUCCESS' });
    expect(simulator.stats().faults.latency).toBe(1);
  });

  it('draws a delay in [min, max] and applies it with latencyProbability', async () => {
    const clock = createFakeClock();
    const simulator = await start({ clock, faults: { latency: { min: 1_000, max: 2_000 }, latencyProbability: 0.5 } });
    const jobId = simulator.addJob();
    let delayed = 0;
    for (let round = 0; round < 20; round++) {
      const pending = poll(simulator, jobId);
      await settle(() => pending.done() || simulator.stats().faults.latency > delayed, 1_000);
      if (simulator.stats().faults.latency > delayed) {
        delayed++;
        await clock.tick(999);
        await settle(pending.done, 50);
        expect(pending.done()).toBe(false);
        await clock.tick(1_001);
      }
      expect((await pending.reply).status).toBe(200);
    }
    expect(delayed).toBeGreaterThan(3);
    expect(delayed).toBeLessThan(17);
    expect(simulator.stats().faults.latency).toBe(delayed);
  });

  it('a scripted latency step delays by 1 s when no latency is configured', async () => {
    const clock = createFakeClock();
    const simulator = await start({ clock, faults: { script: ['latency'] } });
    const pending = poll(simulator, simulator.addJob());

    await delaysStarted(simulator, 1);
    await clock.tick(999);
    await settle(pending.done, 50);
    expect(pending.done()).toBe(false);
    await clock.tick(1);
    expect((await pending.reply).status).toBe(200);
  });
});
