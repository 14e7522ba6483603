import { describe, expect, it } from 'vitest';
import { track } from '../helpers/time.js';
import { payloads, useFakeWatchers } from '../helpers/watcher.js';

const setup = useFakeWatchers();
const HOUR = 3_600_000;

describe('PENDING_PAYMENT (an ECS/BMS yearly or monthly order waiting to be paid)', () => {
  it('is polled every pendingPaymentInterval while unpaid, reported once, then watched as usual', async () => {
    const s = setup({ learn: true, jitter: 0 });
    // Unpaid for 2 h, then runs for 30 s.
    const jobId = s.jobs.add({ jobType: 'createVolume', status: 'PENDING_PAYMENT', statusFor: 2 * HOUR, startAt: s.clock.wallNow() + 2 * HOUR, duration: 30_000 });
    const watch = track(s.watcher.watch(jobId, { timeout: 4 * HOUR }));
    await s.clock.tick(2 * HOUR);
    const whileUnpaid = s.jobs.callsFor(jobId).length;
    // The first poll is planned from the createVolume prior (~10 s); then one every 5 minutes, not every 10 s for hours.
    expect(whileUnpaid).toBeLessThanOrEqual(1 + (2 * HOUR) / 300_000);
    expect(payloads(s.events, 'pendingPayment').map((event) => event.jobId)).toEqual([jobId]);

    await s.clock.tick(10 * 60_000);
    expect(watch.value?.status).toBe('SUCCESS');
    expect(payloads(s.events, 'statusChange').map(({ status }) => status)).toEqual(['PENDING_PAYMENT', 'RUNNING', 'SUCCESS']);
    // Noticed running at most one interval after payment, then finished within the usual lag of its running time.
    const polls = s.jobs.callsFor(jobId);
    const running = polls.find((call) => call.outcome === 'RUNNING')!;
    const success = polls.find((call) => call.outcome === 'SUCCESS')!;
    expect(running.time - (s.t0 + 2 * HOUR)).toBeLessThanOrEqual(300_000);
    expect(success.time - running.time).toBeLessThanOrEqual(30_000 + 10_000);
  });

  it('teaches nothing about how long the job type runs: its end − begin includes the time unpaid', async () => {
    const s = setup({ learn: true, jitter: 0, pendingPaymentInterval: 60_000 });
    const jobId = s.jobs.add({ jobType: 'createVolume', status: 'PENDING_PAYMENT', statusFor: HOUR, startAt: s.clock.wallNow() + HOUR, duration: 20_000 });
    const watch = track(s.watcher.watch(jobId));
    await s.clock.tick(HOUR + 5 * 60_000);
    expect(watch.value?.status).toBe('SUCCESS');
    const learned = s.watcher.snapshot().learned as unknown as { stats: { types: Record<string, { finished: Record<string, object> } | undefined> } };
    expect(Object.keys(learned.stats.types['createVolume']?.finished ?? {})).toEqual([]);
  });
});
