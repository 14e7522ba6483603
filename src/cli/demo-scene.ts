import type { JobType } from '../model/job.js';
import { sampleDuration } from '../simulator/durations.js';
import type { FaultOptions, JobSpec, RateLimit } from '../simulator/options.js';

/** One job of a scene: when it is created and what it does. */
export interface SceneJob {
  /** When the job is created, in ms after the scene starts. */
  readonly at: number;
  readonly jobType: JobType;
  /** Whether the scene makes it end in FAIL (a batch job: one of its sub-jobs). */
  readonly fails: boolean;
  /** The simulator spec of the job, for a job created at clock time `now`. */
  readonly spec: (now: number) => JobSpec;
}

/** A window during which the API gateway enforces a tight rate limit (HTTP 429 above it). */
export interface ThrottleWindow {
  /** Start and end, in ms after the scene starts. */
  readonly from: number;
  readonly to: number;
  readonly rateLimit: RateLimit;
}

/** What the demo plays: jobs created over time, background faults, and a burst of throttling. */
export interface Scene {
  /** Sorted by `at`. */
  readonly jobs: readonly SceneJob[];
  /** Faults in force all along: a little latency, rare 503s. */
  readonly faults: FaultOptions;
  readonly throttle: ThrottleWindow;
}

/** How jobs are spread over the scene, in ms of simulated time. */
const WINDOW = 600_000;
const BURST_AT = 200_000;
const BURST_LENGTH = 15_000;

/** Share of each job kind; the rest of the weight goes to the last entry. */
const MIX: readonly (readonly [JobType, number])[] = [
  ['createVolume', 0.42],
  ['extendVolume', 0.15],
  ['deleteVolume', 0.2],
  ['batchCreateVolume', 0.15],
  ['bulkDeleteVolume', 0.08],
];

/** Chance that a single job fails; sub-jobs fail less often, but a batch of 40 adds up. */
const SINGLE_FAILURE_RATE = 0.03;
const SUB_JOB_FAILURE_RATE = 0.0015;

/** Plausible failures per job type (code, reason). */
const FAILURES: Readonly<Record<string, readonly (readonly [string, string])[]>> = {
  createVolume: [
    ['EVS.2024', 'volume quota exceeded'],
    ['EVS.5023', 'insufficient capacity in the availability zone'],
  ],
  extendVolume: [['EVS.2220', 'the volume is being backed up']],
  deleteVolume: [['EVS.2061', 'the volume still has snapshots']],
  deleteSingleVolume: [['EVS.2061', 'the volume still has snapshots']],
};

/**
 * A realistic scene of `jobs` volume jobs, all randomness drawn from `random`
 * (seed it and the scene repeats): single creates, extends and deletes, batch
 * creates of 10–50 volumes and bulk deletes of 10–30 (their sub-jobs run in waves),
 * ~3 % failures; jobs arrive over ten simulated minutes, with a burst of 15 %
 * of them at once just as the gateway starts throttling.
 */
export function buildScene(options: { readonly jobs: number; readonly random: () => number }): Scene {
  const { jobs: count, random } = options;
  const jobs: SceneJob[] = [];
  for (let index = 0; index < count; index++) {
    const share = random();
    const at = share < 0.1 ? random() * 5_000 : share < 0.25 ? BURST_AT + random() * BURST_LENGTH : random() * WINDOW;
    jobs.push({ at: Math.round(at), ...drawJob(random) });
  }
  jobs.sort((a, b) => a.at - b.at);
  return {
    jobs,
    faults: { latency: { min: 20, max: 250 }, error503: 0.005 },
    throttle: { from: BURST_AT + 5_000, to: BURST_AT + 65_000, rateLimit: { requestsPerSecond: 3, burst: 6 } },
  };
}

/** One job of the realistic mix, starting when it is created; also what `evs-jobs simulate` serves. */
export function drawJob(random: () => number): Omit<SceneJob, 'at'> {
  const jobType = pick(random);
  switch (jobType) {
    case 'batchCreateVolume':
      return batch(random, jobType, 'createVolume', 10 + Math.floor(random() * 41), 10, { median: 25_000, sigma: 0.35 });
    case 'bulkDeleteVolume':
      return batch(random, jobType, 'deleteSingleVolume', 10 + Math.floor(random() * 21), 20, { median: 10_000, sigma: 0.4 });
    default: {
      const median = jobType === 'createVolume' ? 25_000 : jobType === 'extendVolume' ? 20_000 : 12_000;
      const spec: JobSpec = { jobType, duration: sampleDuration({ median, sigma: jobType === 'extendVolume' ? 0.6 : 0.35 }, random), ...outcome(random, jobType, SINGLE_FAILURE_RATE) };
      return { jobType, fails: spec.outcome === 'FAIL', spec: () => spec };
    }
  }
}

/** A batch job whose sub-jobs start in waves of `parallel`, about 20 s apart. */
function batch(
  random: () => number,
  jobType: JobType,
  subType: JobType,
  size: number,
  parallel: number,
  duration: { readonly median: number; readonly sigma: number },
): Omit<SceneJob, 'at'> {
  const subs = Array.from({ length: size }, (_, index) => ({
    offset: Math.floor(index / parallel) * (15_000 + Math.round(random() * 10_000)),
    duration: sampleDuration(duration, random),
    outcome: outcome(random, subType, SUB_JOB_FAILURE_RATE),
  }));
  return {
    jobType,
    fails: subs.some((sub) => sub.outcome.outcome === 'FAIL'),
    spec: (now) => ({
      jobType,
      subJobs: subs.map((sub) => ({ jobType: subType, startAt: now + sub.offset, duration: sub.duration, ...sub.outcome })),
    }),
  };
}

function outcome(random: () => number, jobType: JobType, rate: number): Pick<JobSpec, 'outcome' | 'errorCode' | 'failReason'> {
  if (random() >= rate) return {};
  const choices = FAILURES[jobType] ?? FAILURES['createVolume']!;
  const [errorCode, failReason] = choices[Math.floor(random() * choices.length)] ?? choices[0]!;
  return { outcome: 'FAIL', errorCode, failReason };
}

function pick(random: () => number): JobType {
  let draw = random();
  for (const [jobType, weight] of MIX) {
    if (draw < weight) return jobType;
    draw -= weight;
  }
  return MIX[MIX.length - 1]![0];
}
