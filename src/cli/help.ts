import type { Command } from './args.js';
import { DEMO_DEFAULTS } from './args.js';

const OTHER = `Other:
  -h, --help             this help
  --version              the version of evs-jobs`;

const EXIT_CODES = `Exit codes:
  0    every job succeeded
  1    at least one job failed (FAIL), whatever else happened
  2    bad usage or configuration (nothing was watched)
  3    no job failed, but at least one timed out or could not be watched
       (credentials refused, job not found, request rejected)
  70   unexpected internal error (a bug: please report it)
  130  interrupted by Ctrl-C (SIGINT): polls aborted, summary printed
  143  stopped by SIGTERM: polls aborted, summary printed`;

const MAIN = `evs-jobs: watch Huawei Cloud EVS/ECS asynchronous jobs until they finish.

Usage:
  evs-jobs wait <jobId...> [options]   watch jobs; exit code tells how they ended
  evs-jobs simulate [options]          serve a local EVS simulator with jobs to watch
  evs-jobs demo [options]              a few hundred jobs on the simulator, 40x real time
  evs-jobs <command> --help            the options of a command
  evs-jobs --version

${EXIT_CODES}
`;

const WAIT = `Usage: evs-jobs wait <jobId...> [options]
       evs-jobs wait --file ids.txt [options]
       ... | evs-jobs wait - [options]

Watches every job with one watcher over one client (adaptive polling, bounded
concurrency, shared throttling) and prints a summary. Ids: arguments, --file, or
- for stdin; one per line, blank lines and # comments ignored.

Connection:
  --region <id>          region, e.g. cn-north-4 (default: $HUAWEICLOUD_SDK_REGION)
  --project <id>         project id (default: $HUAWEICLOUD_SDK_PROJECT_ID)
  --endpoint <url>       endpoint overriding the region's; http:// only for loopback
  --service evs|ecs|ims|bms  whose job API to call (default: evs)
  --no-auth              send no credentials (the simulator, an authenticating proxy)
  Credentials come only from the environment: HUAWEICLOUD_SDK_AK and
  HUAWEICLOUD_SDK_SK (+ HUAWEICLOUD_SDK_SECURITY_TOKEN), or HUAWEICLOUD_AUTH_TOKEN.

Watching:
  -f, --file <path>      read job ids from a file (- for stdin)
  --timeout <duration>   give up on a job after this long: seconds, or 90s, 10m, 2h
                         (default: 2h)
  --concurrency <n>      most polls in flight at once (default: 10)
  --rps <n>              most polls started per second (default: no limit until
                         the API throttles; then the watcher slows down itself)
  --confirmations <n>    SUCCESS must be seen this many times in a row (default: 1)

Output:
  --json                 one JSON object per event (NDJSON) and a final
                         {"type":"summary",...} line, for scripts
  On a terminal: live progress, failed polls on a status line. Otherwise: one
  plain line per finished job, failure, timeout and throttling event; failed
  polls (a wrong endpoint, a proxy, DNS) the first of each kind at once, then
  one line per kind every 5 s with counts, each saying it is retrying.

Advanced (tuning for simulators and tests):
  --max-lag <ms>            notice a finished job within this long (default: 10000)
  --poll-interval <ms>      poll every <ms> instead of learning job durations
                            (at least 500 ms apart)
  --not-found-checks <n>    "no such job" answers tolerated before giving up
                            (default: 4; a new job can be briefly invisible)

${OTHER}

${EXIT_CODES}
`;

const SIMULATE = `Usage: evs-jobs simulate [options]

Serves a local EVS simulator (GET /v1/{project_id}/jobs/{job_id}, volume create,
extend and delete) until Ctrl-C or SIGTERM, with jobs already running in real
time (a realistic mix: volume jobs of 10-60 s, batch creates, ~3% failures).
Prints its URL, project id and the job ids; the output is itself a valid
id file for \`evs-jobs wait --file\`.
AK/SK are enforced when HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK are set.

Options:
  --port <n>          TCP port (default: 0, any free port)
  --host <address>    interface to listen on (default: 127.0.0.1)
  --jobs <n>          jobs to create at start (default: 20)
  --faults <spec>     faults to inject into job queries, e.g.
                      throttle=0.05,error503=0.02,latency=200
                      probabilities (0-1): error500 error503 throttle reset
                      malformed truncated oversize notFound latencyProbability;
                      latency=<ms> or <min>-<max>; retryAfter=<seconds> (on 429s);
                      rateLimit=<requests per second>[/<burst>]
  --seed <n>          seed ids, durations and faults, for a repeatable run

${OTHER}

Exit codes: 0 closed cleanly on a signal; 2 bad usage (or the port is taken).
`;

const DEMO = `Usage: evs-jobs demo [options]

Runs a realistic scene on the in-process simulator: a few hundred volume jobs
(single creates, extends, deletes, batch creates of 10-50 volumes, ~3% failures,
a burst of HTTP 429 throttling), on one fast clock shared by the simulator, the
client and the watcher, watched over AK/SK-signed HTTP with the live display.
Ends with the summary and a comparison with a fixed 10-second poller (what the
Terraform provider does: first poll after 5 s, then every 10 s): polls used,
and detection lag p50/p95.

Options:
  --speed <x>      how many times faster than real time (default: ${DEMO_DEFAULTS.speed})
  --jobs <n>       jobs in the scene, 10-5000 (default: ${DEMO_DEFAULTS.jobs})
  --seed <n>       seed of the scene (default: ${DEMO_DEFAULTS.seed})
  --json           NDJSON output, as for wait

The summary gives simulated and real time apart, and how many of the failed
jobs the scene fails by design.

${OTHER}

Exit codes: 0 the demo ran through (its failed jobs are part of the show);
3 jobs timed out or could not be watched; 130 interrupted by Ctrl-C.
`;

/** The help text of `command`, or the main help. */
export function helpText(command: Command | undefined): string {
  switch (command) {
    case 'wait':
      return WAIT;
    case 'simulate':
      return SIMULATE;
    case 'demo':
      return DEMO;
    case undefined:
      return MAIN;
  }
}
