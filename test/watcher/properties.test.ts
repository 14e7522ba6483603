import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClosedError } from '../../src/errors/closed-error.js';
import { isFinalStatus, type Job } from '../../src/model/job.js';
import { JobWatcher } from '../../src/watcher/job-watcher.js';
import { createFakeClock } from '../helpers/fake-clock.js';
import { FakeJobs, type FakeFault } from '../helpers/fake-jobs.js';
import { flush } from '../helpers/time.js';

/** What the random programs do. */
type Command =
  | { readonly kind: 'watch'; readonly jobs: readonly number[]; readonly all: boolean; readonly timeout: number | undefined; readonly abortable: boolean; readonly throwOnFail: boolean }
  | { readonly kind: 'abort'; readonly which: number }
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'fault'; readonly job: number | undefined; readonly faults: readonly FakeFault[] };

/** The job pool: singles, batches, failures, a late-visible job and one that never exists. */
const JOB_COUNT = 7;

const fault: fc.Arbitrary<FakeFault> = fc.oneof(
  { weight: 16, arbitrary: fc.constantFrom<FakeFault>('http500', 'http503', 'network', 'timeout', 'invalid', 'notFound', 'wrongId') },
  { weight: 6, arbitrary: fc.record({ throttle: fc.option(fc.constantFrom(500, 2_000), { nil: undefined }) }) },
  { weight: 3, arbitrary: fc.constantFrom<FakeFault>('http400', 'hang') },
  { weight: 1, arbitrary: fc.constant<FakeFault>('auth') },
);

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('watch' as const),
      // watch() one job, or watchAll() one to three (possibly repeated) jobs.
      jobs: fc.array(fc.integer({ min: 0, max: JOB_COUNT - 1 }), { minLength: 1, maxLength: 3 }),
      all: fc.boolean(),
      timeout: fc.option(fc.integer({ min: 500, max: 90_000 }), { nil: undefined }),
      abortable: fc.boolean(),
      throwOnFail: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('abort' as const), which: fc.nat() }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 20_000 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('fault' as const),
      job: fc.option(fc.integer({ min: 0, max: JOB_COUNT - 1 }), { nil: undefined }),
      faults: fc.array(fault, { minLength: 1, maxLength: 3 }),
    }),
  },
);

const config = fc.record({
  concurrency: fc.integer({ min: 1, max: 4 }),
  latency: fc.constantFrom(0, 150, 1_200),
  learn: fc.boolean(),
  maxRequestsPerSecond: fc.option(fc.constantFrom(2, 20), { nil: undefined }),
  successConfirmations: fc.constantFrom(1, 2),
  durations: fc.array(fc.integer({ min: 1, max: 60_000 }), { minLength: JOB_COUNT, maxLength: JOB_COUNT }),
  /** After how many commands the watcher is closed (gracefully), if at all. */
  closeAt: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 50 }) }),
});

/** One `watch()` or `watchAll()` call and what became of it. */
interface Entry {
  readonly jobIds: readonly string[];
  readonly group: boolean;
  /** The `done` event count when it was made: a job done after that fulfilled its slot. */
  readonly createdAt: number;
  readonly controller: AbortController | undefined;
  aborted: boolean;
  /** Times its promise called back: must end up exactly 1. */
  settlements: number;
  value: Job | Job[] | undefined;
  error: unknown;
}

describe('JobWatcher under random programs (property)', () => {
  it('settles every watch exactly once, polls only live jobs, keeps only live jobs, and respects concurrency', async () => {
    await fc.assert(
      fc.asyncProperty(config, fc.array(command, { minLength: 5, maxLength: 50 }), async (settings, program) => {
        const clock = createFakeClock();
        const jobs = new FakeJobs(clock, { latency: settings.latency });
        const [d0, d1, d2, d3, d4, d5] = settings.durations as [number, number, number, number, number, number, number];
        const ids = [
          jobs.add({ duration: d0 }),
          jobs.add({ duration: d1, outcome: 'FAIL' }),
          jobs.add({ subJobs: [{ duration: d2 }, { duration: d3 }] }),
          jobs.add({ subJobs: [{ duration: d4, outcome: 'FAIL' }, { duration: d5 }] }),
          jobs.add({ duration: d5, invisibleFor: d4 / 4 }),
          jobs.add({ initDuration: d3 / 2, duration: d0 }),
          'fedcba9876543210fedcba9876543210', // never exists
        ];
        const entries: Entry[] = [];
        const violations: string[] = [];
        let closing = false;
        // When each job was last seen done, by `done` event count.
        let doneCount = 0;
        const lastDone = new Map<string, number>();
        /** The job ids an entry still waits for: all of a pending watch(), the unfinished ones of a pending watchAll(). */
        const waitingFor = (entry: Entry): string[] =>
          entry.settlements > 0 || entry.aborted ? [] : entry.jobIds.filter((id) => !entry.group || !((lastDone.get(id) ?? -1) > entry.createdAt));
        const live = (jobId: string): boolean => entries.some((entry) => waitingFor(entry).includes(jobId));

        const watcher = new JobWatcher({
          clock,
          concurrency: settings.concurrency,
          learn: settings.learn,
          successConfirmations: settings.successConfirmations,
          notFoundChecks: 2,
          timeout: 120_000,
          ...(settings.maxRequestsPerSecond !== undefined && { maxRequestsPerSecond: settings.maxRequestsPerSecond }),
          fetchJob: (jobId, options) => {
            if (closing) violations.push(`polled ${jobId} after close()`);
            if (!live(jobId)) violations.push(`polled ${jobId} with nobody waiting`);
            const answer = jobs.fetchJob(jobId, options);
            if (jobs.inFlight > settings.concurrency) violations.push(`${jobs.inFlight} polls in flight`);
            return answer;
          },
        });

        watcher.on('done', ({ job }) => lastDone.set(job.jobId, ++doneCount));

        const check = async (): Promise<void> => {
          await flush(clock);
          const waiting = entries.flatMap(waitingFor);
          const stats = watcher.stats();
          expect(violations).toEqual([]);
          // The scheduler holds exactly the jobs someone still waits for, one subscriber per waiting call (or batch slot).
          expect(stats.watched).toBe(new Set(waiting).size);
          expect(stats.waiters).toBe(waiting.length);
          expect(stats.inFlight).toBeLessThanOrEqual(settings.concurrency);
        };

        const close = (): void => {
          closing = true;
          void watcher.close();
        };
        for (const [index, step] of program.entries()) {
          if (index === settings.closeAt) close();
          switch (step.kind) {
            case 'watch': {
              const controller = step.abortable ? new AbortController() : undefined;
              const jobIds = (step.all ? step.jobs : step.jobs.slice(0, 1)).map((index) => ids[index]!);
              const entry: Entry = { jobIds, group: step.all, createdAt: doneCount, controller, aborted: false, settlements: 0, value: undefined, error: undefined };
              entries.push(entry);
              const options = {
                throwOnFail: step.throwOnFail,
                ...(step.timeout !== undefined && { timeout: step.timeout }),
                ...(controller !== undefined && { signal: controller.signal }),
              };
              const promise: Promise<Job | Job[]> = step.all ? watcher.watchAll(jobIds, options) : watcher.watch(jobIds[0]!, options);
              promise.then(
                (value) => {
                  entry.settlements += 1;
                  entry.value = value;
                },
                (error: unknown) => {
                  entry.settlements += 1;
                  entry.error = error;
                },
              );
              break;
            }
            case 'abort': {
              const abortable = entries.filter((entry) => entry.controller !== undefined);
              const target = abortable[step.which % Math.max(1, abortable.length)];
              if (target !== undefined && target.settlements === 0) {
                target.aborted = true;
                target.controller!.abort();
              }
              break;
            }
            case 'advance':
              await clock.tick(step.ms);
              break;
            case 'fault':
              jobs.fail(step.job === undefined ? '*' : ids[step.job]!, ...step.faults);
              break;
          }
          await check();
        }
        // Let every watch run its course (deadlines are at most 120 s away), checking as time goes.
        for (let minute = 0; minute < 3; minute++) {
          await clock.tick(60_000);
          await check();
        }

        await watcher.destroy();
        await flush(clock);
        expect(entries.every((entry) => entry.settlements === 1)).toBe(true);
        expect(watcher.stats()).toMatchObject({ watched: 0, waiters: 0 });
        expect(jobs.maxInFlight).toBeLessThanOrEqual(settings.concurrency);
        for (const entry of entries) {
          if (entry.value !== undefined) {
            const jobs = Array.isArray(entry.value) ? entry.value : [entry.value];
            expect(jobs.map((job) => job.jobId)).toEqual(entry.jobIds);
            expect(jobs.every((job) => isFinalStatus(job.status))).toBe(true);
          }
          if (entry.aborted) expect((entry.error as Error | undefined)?.name).toBe('AbortError');
        }
        // After close(), new watches are refused, not left hanging.
        if (closing) {
          const late = await watcher.watch(ids[0]!).catch((error: unknown) => error);
          expect(late).toBeInstanceOf(ClosedError);
        }
      }),
      { numRuns: 120 },
    );
  });
});
