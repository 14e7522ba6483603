import { describe, expect, it } from 'vitest';
import {
  ANSI_CODES,
  ESCAPE,
  HAS_SCRIPT,
  eventsOf,
  expectNoStackTrace,
  expectUsageError,
  ndjson,
  runCli,
  startCli,
  summaryOf,
  useSimulators,
  waitFlags,
} from './helpers.js';

const simulator = useSimulators();

const AK = 'TESTACCESSKEY0000001';
const SK = 'test-secret-key';

describe('evs-jobs wait: outcomes and exit codes', () => {
  it('exits 0 when every job succeeds, with NDJSON events and a final summary', async () => {
    const sim = await simulator();
    const single = sim.addJob({ duration: 50 });
    const batch = sim.addJob({ subJobs: [{ duration: 100 }, { duration: 150 }, { duration: 200 }] });
    const deleted = sim.addJob({ jobType: 'deleteVolume', duration: 300 });
    const result = await runCli(['wait', ...waitFlags(sim), '--json', single, batch, deleted]);

    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const events = ndjson(result.stdout);
    expect(events[0]).toMatchObject({ type: 'start', jobs: 3, endpoint: sim.url, projectId: sim.projectId, service: 'evs' });
    expect(typeof events[0]!['time']).toBe('string');
    const succeeded = eventsOf(events, 'succeeded');
    expect(succeeded.map((event) => event['jobId']).sort()).toEqual([single, batch, deleted].sort());
    expect(succeeded.find((event) => event['jobId'] === deleted)).toMatchObject({ jobType: 'deleteVolume', durationMs: 300 });
    expect(summaryOf(events)).toMatchObject({
      type: 'summary',
      total: 3,
      succeeded: 3,
      failed: 0,
      timedOut: 0,
      notWatched: 0,
      interrupted: 0,
      exitCode: 0,
      failedJobs: [],
    });
    expect(summaryOf(events)['polls']).toBeGreaterThanOrEqual(3);
  });

  it('prints one plain line per finished job and a summary off a terminal, without escape codes', async () => {
    const sim = await simulator();
    const first = sim.addJob({ duration: 50 });
    const second = sim.addJob({ jobType: 'extendVolume', duration: 100 });
    const result = await runCli(['wait', ...waitFlags(sim), first, second]);

    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).not.toMatch(ESCAPE);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(`watching 2 jobs at ${sim.url} (evs, project ${sim.projectId})`);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^succeeded +${first}  createVolume  50ms$`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^succeeded +${second}  extendVolume  100ms$`)));
    expect(result.stdout).toMatch(/^Summary: 2 jobs in [\d.]+m?s, \d+ polls$/m);
    expect(result.stdout).toMatch(/^ {2}succeeded +2$/m);
    expect(result.stdout).toMatch(/^ {2}failed +0$/m);
  });

  it('exits 1 when a job fails, reporting its error code and reason', async () => {
    const sim = await simulator();
    const ok = sim.addJob({ duration: 50 });
    const failed = sim.addJob({ duration: 100, outcome: 'FAIL', errorCode: 'EVS.2024', failReason: 'volume quota exceeded' });
    const json = await runCli(['wait', ...waitFlags(sim), '--json', ok, failed]);

    expect(json.code).toBe(1);
    expect(json.stderr).toBe('');
    const events = ndjson(json.stdout);
    expect(eventsOf(events, 'failed')).toEqual([
      expect.objectContaining({ jobId: failed, jobType: 'createVolume', errorCode: 'EVS.2024', failReason: 'volume quota exceeded', durationMs: 100 }),
    ]);
    expect(summaryOf(events)).toMatchObject({
      succeeded: 1,
      failed: 1,
      exitCode: 1,
      failedJobs: [{ jobId: failed, jobType: 'createVolume', errorCode: 'EVS.2024', failReason: 'volume quota exceeded', subJobsFailed: 0, subJobs: 0 }],
    });

    const plain = await runCli(['wait', ...waitFlags(sim), ok, failed]);
    expect(plain.code).toBe(1);
    expect(plain.stdout).toMatch(new RegExp(`^failed +${failed}  createVolume  100ms  EVS.2024: volume quota exceeded$`, 'm'));
    expect(plain.stdout).toMatch(new RegExp(`^ {4}${failed}  createVolume  EVS.2024: volume quota exceeded$`, 'm'));
  });

  it('exits 3 when a job does not finish within --timeout', async () => {
    const sim = await simulator();
    const slow = sim.addJob({ duration: 60_000 });
    const result = await runCli(['wait', ...waitFlags(sim), '--json', '--timeout', '1s', slow]);

    expect(result.code).toBe(3);
    expect(result.stderr).toBe('');
    const events = ndjson(result.stdout);
    expect(eventsOf(events, 'timeout')).toEqual([expect.objectContaining({ jobId: slow, timeoutMs: 1_000, lastStatus: 'RUNNING' })]);
    expect(summaryOf(events)).toMatchObject({ timedOut: 1, exitCode: 3, timedOutJobs: [{ jobId: slow, lastStatus: 'RUNNING' }] });

    const plain = await runCli(['wait', ...waitFlags(sim), '--timeout', '1', slow]);
    expect(plain.code).toBe(3);
    expect(plain.stdout).toMatch(new RegExp(`^timed out +${slow}  after 1.0s, last seen RUNNING$`, 'm'));
  });

  it('exits 3 when a job does not exist', async () => {
    const sim = await simulator();
    const known = sim.addJob({ duration: 50 });
    const missing = '0123456789abcdef0123456789abcdef';
    const result = await runCli(['wait', ...waitFlags(sim), '--json', '--not-found-checks', '0', known, missing]);

    expect(result.code).toBe(3);
    expect(result.stderr).toBe('');
    const events = ndjson(result.stdout);
    expect(eventsOf(events, 'notWatched')).toEqual([expect.objectContaining({ jobId: missing, reason: 'notFound', code: 'EVS_JOB_NOT_FOUND' })]);
    expect(summaryOf(events)).toMatchObject({ succeeded: 1, notWatched: 1, exitCode: 3 });
  });

  it('signs with AK/SK from the environment, and exits 3 when the gateway refuses them', async () => {
    const sim = await simulator({ auth: { accessKey: AK, secretKey: SK } });
    const job = sim.addJob({ duration: 50 });
    const signed = await runCli(['wait', ...waitFlags(sim, { auth: true }), '--json', job], {
      env: { HUAWEICLOUD_SDK_AK: AK, HUAWEICLOUD_SDK_SK: SK },
    });
    expect(signed.code).toBe(0);
    expect(summaryOf(ndjson(signed.stdout))).toMatchObject({ succeeded: 1 });

    const refused = await runCli(['wait', ...waitFlags(sim, { auth: true }), '--json', job, sim.addJob({ duration: 50 })], {
      env: { HUAWEICLOUD_SDK_AK: AK, HUAWEICLOUD_SDK_SK: 'wrong-secret' },
    });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toBe('');
    expect(refused.stdout).not.toContain('wrong-secret');
    const events = ndjson(refused.stdout);
    expect(eventsOf(events, 'authFailed')).toEqual([expect.objectContaining({ status: 401, code: 'APIGW.0301' })]);
    expect(eventsOf(events, 'notWatched').map((event) => event['reason'])).toEqual(['auth', 'auth']);
    expect(summaryOf(events)).toMatchObject({ notWatched: 2, exitCode: 3 });

    const plain = await runCli(['wait', ...waitFlags(sim, { auth: true }), job], {
      env: { HUAWEICLOUD_SDK_AK: AK, HUAWEICLOUD_SDK_SK: 'wrong-secret' },
    });
    expect(plain.code).toBe(3);
    expect(plain.stdout).toMatch(/^auth failed +HTTP 401 APIGW\.0301.*: stopped polling every job$/m);
    expect(plain.stdout).toMatch(/^ {4}1 job: credentials refused: HTTP 401/m);
  });

  it('reads ids from stdin and from a file, ignoring blank lines, comments and duplicates', async () => {
    const sim = await simulator();
    const [a, b, c] = [sim.addJob({ duration: 50 }), sim.addJob({ duration: 50 }), sim.addJob({ duration: 50 })];
    const stdin = `# jobs from the pipeline\n${a}\n\n  ${b}  # the extend\n${a}\n`;
    const fromStdin = await runCli(['wait', ...waitFlags(sim), '--json', '-', c], { stdin });
    expect(fromStdin.code).toBe(0);
    expect(summaryOf(ndjson(fromStdin.stdout))).toMatchObject({ total: 3, succeeded: 3 });

    const viaFlag = await runCli(['wait', ...waitFlags(sim), '--json', '--file', '-'], { stdin });
    expect(viaFlag.code).toBe(0);
    expect(summaryOf(ndjson(viaFlag.stdout))).toMatchObject({ total: 2, succeeded: 2 });
  });

  it('exits 130 on Ctrl-C after aborting polls, with the summary printed and no stack trace', async () => {
    const sim = await simulator();
    const slow = sim.addJob({ duration: 60_000 });
    const done = sim.addJob({ duration: 50 });
    const json = startCli(['wait', ...waitFlags(sim), '--json', slow, done]);
    await json.waitForStdout(`"type":"succeeded","time":`);
    await json.waitForStdout(new RegExp(`"type":"status".*"jobId":"${slow}"`));
    json.child.kill('SIGINT');
    const result = await json.done;

    expect(result.code).toBe(130);
    expect(result.stderr).toBe('');
    expectNoStackTrace(result);
    const events = ndjson(result.stdout);
    expect(eventsOf(events, 'interrupted')).toEqual([expect.objectContaining({ signal: 'SIGINT', unfinished: 1 })]);
    expect(summaryOf(events)).toMatchObject({ succeeded: 1, interrupted: 1, interruptedJobs: [slow], exitCode: 130 });

    // The first line is written once the signal handlers are in place: the signal lands on a running watch.
    const plain = startCli(['wait', ...waitFlags(sim), slow]);
    await plain.waitForStdout('watching 1 job');
    plain.child.kill('SIGINT');
    const stopped = await plain.done;
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toBe('');
    expect(stopped.stdout).toMatch(/^interrupted +SIGINT: stopping, 1 job unfinished$/m);
    expect(stopped.stdout).toMatch(/^Summary: 1 job in /m);
    expect(stopped.stdout).toMatch(new RegExp(`^ {2}interrupted +1\\n {4}${slow}$`, 'm'));
  });
});

describe('evs-jobs wait: failed polls are visible without --json', () => {
  /** An endpoint typo: nothing listens on port 1, so every poll is refused. */
  const typo = ['--endpoint', 'https://127.0.0.1:1', '--project', 'p', '--no-auth', '--poll-interval', '100'];
  const ids = (count: number): string[] => Array.from({ length: count }, (_, i) => i.toString(16).padStart(32, '0'));

  it('off a terminal: "connection refused … retrying" at the first failure, then one line per kind every 5 s with counts, not a line per failure', async () => {
    const run = startCli(['wait', ...typo, '--timeout', '6s', ...ids(40)]);
    await run.waitForStdout(/^poll error +connection refused \(ECONNREFUSED: connect ECONNREFUSED 127\.0\.0\.1:1\): job [0-9a-f]{32}, retrying in \S+$/m);
    const result = await run.done;

    expect(result.code).toBe(3);
    expect(result.stderr).toBe('');
    const lines = result.stdout.split('\n').filter((line) => /^poll errors? /.test(line));
    // The first failure, then at most one line per 5 s of the 6 s, then what was gathered since, before the summary.
    expect(lines.length).toBeLessThanOrEqual(3);
    const gathered = lines.slice(1).map((line) => /^poll errors +connection refused \(.*\): (\d+) more failed polls? of (\d+) jobs? in \S+, still retrying$/.exec(line));
    expect(gathered).not.toContain(null);
    // 40 jobs refused for 6 s, each retried with a growing delay: far more failures than lines.
    const failures = 1 + gathered.reduce((sum, match) => sum + Number(match![1]), 0);
    expect(failures).toBeGreaterThan(40);
    expect(result.stdout).toMatch(/^ {2}timed out +40$/m);
  });

  it.skipIf(!HAS_SCRIPT)('on a terminal that reports 0×0 (script -qc): 80-column frames, with a poll-error status line', async () => {
    const result = await runCli(['wait', ...typo, '--timeout', '3s', ...ids(5)], { pty: true });

    expect(result.code).toBe(3);
    const screen = result.stdout.replace(ANSI_CODES, '');
    // A whole header line (not one character per line), drawn at least once before the summary.
    expect(screen).toMatch(/^evs-jobs · 5 jobs at https:\/\/127\.0\.0\.1:1 · /m);
    expect(screen).toMatch(/^ {2}poll errors: connection refused ×\d+ \(\d+ jobs?\), last \S+ ago, retrying/m);
    // Frames are cut to 79 columns of the fallback 80.
    const frameLines = screen.split(/\r?\n/).filter((line) => line.startsWith('  poll errors: '));
    expect(frameLines.every((line) => line.length <= 79)).toBe(true);
    expect(screen).toMatch(/^Summary: 5 jobs in /m);
  });
});

describe.concurrent('evs-jobs wait: bad usage exits 2 with one line on stderr', () => {
  const flags = ['--endpoint', 'http://127.0.0.1:9', '--project', '0123456789abcdef0123456789abcdef', '--no-auth'];

  it('refuses an invalid job id', async () => {
    expectUsageError(await runCli(['wait', ...flags, '0123', 'abc/../def']), /invalid job id "abc\/\.\.\/def" \(argument 2\)/);
  });

  it('refuses an invalid job id in a file, naming the line', async () => {
    expectUsageError(await runCli(['wait', ...flags, '-'], { stdin: 'abc\n\nnot an id\n' }), /invalid job id "not an id" \(stdin line 3\)/);
  });

  it('refuses to run without a project id', async () => {
    expectUsageError(await runCli(['wait', '--region', 'cn-north-4', '--no-auth', 'abc']), /missing project id: pass --project or set HUAWEICLOUD_SDK_PROJECT_ID/);
  });

  it('refuses to run without a region or an endpoint', async () => {
    expectUsageError(await runCli(['wait', '--project', 'p1', '--no-auth', 'abc']), /missing region/);
  });

  it('reads region and project from the environment', async () => {
    const result = await runCli(['wait', 'abc/def'], { env: { HUAWEICLOUD_SDK_REGION: 'cn-north-4', HUAWEICLOUD_SDK_PROJECT_ID: 'p1', HUAWEICLOUD_AUTH_TOKEN: 't' } });
    // Past the region/project/credentials checks: it is the id that is refused.
    expectUsageError(result, /invalid job id/);
  });

  it('refuses an unreadable id file', async () => {
    expectUsageError(await runCli(['wait', ...flags, '--file', '/nonexistent/ids.txt']), /cannot read job ids from "\/nonexistent\/ids.txt": no such file/);
  });

  it('refuses http:// off loopback', async () => {
    expectUsageError(await runCli(['wait', '--endpoint', 'http://10.1.2.3', '--project', 'p1', '--no-auth', 'abc']), /invalid --endpoint: Refusing plain http:\/\/ to 10\.1\.2\.3: credentials would travel in clear text/);
  });

  it('refuses an unknown flag', async () => {
    expectUsageError(await runCli(['wait', ...flags, '--frobnicate', 'abc']), /^evs-jobs: unknown option --frobnicate \(see evs-jobs wait --help\)$/m);
  });

  it('refuses missing credentials unless --no-auth', async () => {
    expectUsageError(await runCli(['wait', '--region', 'cn-north-4', '--project', 'p1', 'abc']), /no credentials: set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK/);
  });

  it('says which flag needs a value', async () => {
    expectUsageError(await runCli(['wait', ...flags, 'abc', '--timeout']), /^evs-jobs: --timeout needs a value \(see evs-jobs wait --help\)$/m);
    expectUsageError(await runCli(['wait', ...flags, '--timeout', '--json', 'abc']), /^evs-jobs: --timeout needs a value /m);
  });

  it('refuses a bad --timeout and a bad --concurrency', async () => {
    expectUsageError(await runCli(['wait', ...flags, '--timeout', '5y', 'abc']), /invalid --timeout "5y"/);
    expectUsageError(await runCli(['wait', ...flags, '--concurrency', '0', 'abc']), /invalid --concurrency "0": expected an integer from 1 to 1000/);
  });

  it('refuses an unknown command and a missing one', async () => {
    expectUsageError(await runCli(['watch', 'abc']), /unknown command "watch"/);
    expectUsageError(await runCli([]), /missing command/);
  });
});

describe('evs-jobs --help and --version', () => {
  it('documents the exit codes and prints the version', async () => {
    const help = await runCli(['wait', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes:');
    for (const code of ['0 ', '1 ', '2 ', '3 ', '130 ']) expect(help.stdout).toContain(`  ${code}`);
    const version = await runCli(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: '0.1.0\n', stderr: '' });
  });
});
