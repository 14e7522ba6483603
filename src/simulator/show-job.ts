import type { SimulatorContext } from './context.js';
import type { AnswerFault } from './faults.js';
import { evsError, jobNotFound, json, RESET, throttled, type Answer, type Reply } from './responses.js';
import type { WireJob } from './timeline.js';

/** Size of an `oversize` body, in bytes. */
const OVERSIZE_BYTES = 2 * 1024 * 1024;

/**
 * `GET /v1/{project_id}/jobs/{job_id}`: the job's state now, unless a fault says otherwise.
 * `gone` aborts when the client closes the connection before the answer.
 */
export async function showJob(context: SimulatorContext, jobId: string, requestId: string, gone?: AbortSignal): Promise<Reply> {
  const { stats, faults, delays, clock, store } = context;
  stats.jobRequested(jobId);
  const { fault, delay } = faults.next();
  if (delay > 0) {
    stats.fault('latency');
    if (!(await delays.wait(delay, gone))) return RESET;
  }
  // Read after the delay: a slow answer reports the state at the time it is sent.
  const job = store.wire(jobId, clock.wallNow(), context.skew);
  if (fault !== undefined) {
    stats.fault(fault);
    return faultReply(context, fault, job, requestId);
  }
  if (job === undefined) return jobNotFound();
  stats.jobAnswered(jobId, job.status);
  return json(200, job);
}

/** The answer a fault replaces the normal one with; body faults on an unknown job still answer 400. */
function faultReply(context: SimulatorContext, fault: AnswerFault, job: WireJob | undefined, requestId: string): Reply {
  switch (fault) {
    case 'reset':
      return RESET;
    case 'error500':
      return evsError(500, 'EVS.5000', 'internal server error (simulated fault)');
    case 'error503':
      return evsError(503, 'EVS.5030', 'service temporarily unavailable (simulated fault)');
    case 'throttle':
      return throttled(context.faults.throttleLimit, context.faults.retryAfter, requestId);
    case 'notFound':
      return jobNotFound();
    case 'malformed':
      // The status value loses its quotes: still "almost" a job, but not JSON.
      return spoil(job, (text) => text.replace(/^\{"status":"([^"]*)"/, '{"status":$1'));
    case 'truncated':
      return spoil(job, (text) => text.slice(0, Math.floor(text.length / 2)));
    case 'oversize':
      return job === undefined ? jobNotFound() : oversized(job);
  }
}

function spoil(job: WireJob | undefined, transform: (text: string) => string): Answer {
  if (job === undefined) return jobNotFound();
  return { kind: 'answer', status: 200, body: transform(JSON.stringify(job)) };
}

/** A valid job padded to exactly {@link OVERSIZE_BYTES}, so only a size cap stops a client. */
function oversized(job: WireJob): Answer {
  const bare = Buffer.byteLength(JSON.stringify({ ...job, padding: '' }));
  return json(200, { ...job, padding: ' '.repeat(Math.max(0, OVERSIZE_BYTES - bare)) });
}
