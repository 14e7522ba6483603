import { round } from '../lib/stats.js';
import { durationOf, sanityFleet } from './fleet.js';
import { bestFixedGap } from './informed.js';
import { summarize } from './metrics.js';
import { simulate } from './simulate.js';
import { awsWaiter } from './strategies/aws-waiter.js';
import { terraform } from './strategies/schedule-loop.js';
import { waiterModel } from './waiter-model.js';

interface Check {
  readonly what: string;
  readonly measured: number;
  readonly expected: number;
}

export interface SanityResult {
  readonly jobs: number;
  readonly checks: readonly Check[];
  /** The AWS waiter's p95 lag with and without smithy's jump to maxDelay, to explain the ≈ 50 s often quoted. */
  readonly waiterP95Lag: { readonly measured: number; readonly modelWithJump: number; readonly modelWithoutJump: number };
}

const TOLERANCE = 0.1;

/**
 * Checks the harness before any claim: on log-normal jobs (median 25 s, σ 0.5)
 * Terraform ≈ 3.8 polls at p95 lag ≈ 9.5 s, the AWS waiter ≈ 6.0 polls, and the
 * informed bound ≈ 2.4 polls at ≈ 9.4 s. The waiter's lag is checked against an
 * independent model of smithy's algorithm (its p95 is too bimodal to pin down).
 * @throws when any number is off by more than 10 %.
 */
export async function sanityCheck(jobs: number, seed: number): Promise<SanityResult> {
  const fleet = sanityFleet(jobs, seed);
  const durations = fleet.jobs.map(durationOf);
  const tf = summarize(fleet, await simulate(fleet, terraform, seed)).all;
  const aws = summarize(fleet, await simulate(fleet, awsWaiter, seed)).all;
  const informed = bestFixedGap(durations, tf.lagP95 * 1000);
  const withJump = waiterModel(durations, true, seed);
  const withoutJump = waiterModel(durations, false, seed);
  const checks: Check[] = [
    { what: 'terraform polls/job', measured: tf.polls, expected: 3.8 },
    { what: 'terraform p95 lag (s)', measured: tf.lagP95, expected: 9.5 },
    { what: 'aws waiter polls/job', measured: aws.polls, expected: 6.0 },
    { what: 'aws waiter mean lag (s) vs model', measured: aws.lagMean, expected: round(withJump.meanLag) },
    { what: 'informed bound polls/job', measured: round(informed.polls, 3), expected: 2.4 },
    { what: 'informed bound p95 lag (s)', measured: round(informed.p95Lag / 1000), expected: 9.4 },
  ];
  const off = checks.filter((check) => Math.abs(check.measured / check.expected - 1) > TOLERANCE);
  if (off.length > 0) {
    throw new Error(`sanity check failed: ${off.map((check) => `${check.what} = ${check.measured}, expected ≈ ${check.expected}`).join('; ')}`);
  }
  return {
    jobs,
    checks,
    waiterP95Lag: { measured: aws.lagP95, modelWithJump: round(withJump.p95Lag), modelWithoutJump: round(withoutJump.p95Lag) },
  };
}
