import { describeFailure, type FailureFields } from '../../model/fail-reason.js';
import type { Comparison } from '../comparison.js';
import { formatDuration } from '../durations.js';
import type { NotWatchedJob, Summary } from '../summary.js';

/** Jobs listed per category in the human summary; `--json` lists them all. */
export const MAX_LISTED = 20;

/** The human summary, as lines (no escape codes): counts, then the jobs that need attention. */
export function formatSummary(summary: Summary): string[] {
  const time =
    summary.simulatedMs === null
      ? formatDuration(summary.wallMs)
      : `${formatDuration(summary.simulatedMs)} of simulated time (${formatDuration(summary.wallMs)} real)`;
  const lines = [`Summary: ${plural(summary.total, 'job')} in ${time}, ${plural(summary.polls, 'poll')}`];
  lines.push(row('succeeded', summary.succeeded));
  const design = summary.failedByDesign === null ? '' : `  (by design: the scene fails ${plural(summary.failedByDesign, 'job')})`;
  lines.push(row('failed', summary.failed) + design);
  lines.push(
    ...listed(summary.failedJobs, (job) => {
      const subJobs = job.subJobs > 0 ? ` (${job.subJobsFailed} of ${job.subJobs} sub-jobs failed)` : '';
      return `${job.jobId}  ${job.jobType || '?'}  ${failureText(job)}${subJobs}`;
    }),
  );
  lines.push(row('timed out', summary.timedOut));
  lines.push(...listed(summary.timedOutJobs, (job) => `${job.jobId}  last seen ${job.lastStatus ?? 'never (no answer)'}`));
  lines.push(row('not watched', summary.notWatched));
  lines.push(...notWatchedLines(summary.notWatchedJobs));
  if (summary.interrupted > 0) {
    lines.push(row('interrupted', summary.interrupted));
    lines.push(...listed(summary.interruptedJobs, (jobId) => jobId));
  }
  return lines;
}

/** The demo's one comparison line. */
export function formatComparison(comparison: Comparison): string {
  const { polls, lagMs } = comparison;
  const saved = polls.fixed > 0 ? ` (${Math.round((1 - polls.ours / polls.fixed) * 100)}% fewer)` : '';
  return (
    `Compared with a fixed 10 s poller (Terraform: first poll after 5 s, then every 10 s) on the same ${plural(comparison.jobs, 'job')}: ` +
    `${polls.ours} polls vs ${polls.fixed}${saved}; ` +
    `detection lag p50 ${formatDuration(lagMs.ours.p50)} vs ${formatDuration(lagMs.fixed.p50)}, ` +
    `p95 ${formatDuration(lagMs.ours.p95)} vs ${formatDuration(lagMs.fixed.p95)}`
  );
}

function notWatchedLines(jobs: readonly NotWatchedJob[]): string[] {
  // Refused credentials stop every job with the same error: one line says it.
  const auth = jobs.filter((job) => job.reason === 'auth');
  const others = jobs.filter((job) => job.reason !== 'auth');
  const lines = auth.length === 0 ? [] : [`    ${plural(auth.length, 'job')}: credentials refused: ${auth[0]!.message}`];
  const label = { auth: 'credentials refused', notFound: 'not found', rejected: 'rejected' } as const;
  return [...lines, ...listed(others, (job) => `${job.jobId}  ${label[job.reason]}: ${job.message}`)];
}

function listed<T>(items: readonly T[], line: (item: T) => string): string[] {
  const shown = items.slice(0, MAX_LISTED).map((item) => `    ${line(item)}`);
  if (items.length > MAX_LISTED) shown.push(`    … and ${items.length - MAX_LISTED} more (--json lists every job)`);
  return shown;
}

function row(label: string, count: number): string {
  return `  ${label.padEnd(12)}${String(count).padStart(6)}`;
}

/** Why a job failed, as every output prints it. */
export function failureText(job: FailureFields): string {
  return describeFailure(job) ?? 'no reason given';
}

/** `1 job`, `3 jobs`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
