import { describe, expect, it } from 'vitest';
import { parseCommandLine, type WaitConfig } from '../../src/cli/args.js';
import { formatDuration, parseDuration } from '../../src/cli/durations.js';
import { parseFaults } from '../../src/cli/faults-spec.js';
import { UsageError } from '../../src/cli/usage-error.js';

const PROJECT = '0123456789abcdef0123456789abcdef';

function waitConfig(argv: string[], env: Record<string, string> = {}): WaitConfig {
  const invocation = parseCommandLine(['wait', ...argv], env);
  if (invocation.kind !== 'wait') throw new Error(`expected wait, got ${invocation.kind}`);
  return invocation.config;
}

function usage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).message;
  }
  throw new Error('expected a UsageError');
}

describe('parseCommandLine', () => {
  it('turns wait flags into the client and watcher settings, in ms', () => {
    const config = waitConfig(['--region', 'cn-north-4', '--project', PROJECT, '--no-auth', '--service', 'ecs', '--timeout', '10m', '--concurrency', '32', '--rps', '2.5', '--confirmations', '2', '--json', 'a', 'b']);
    expect(config).toEqual({
      ids: ['a', 'b'],
      file: undefined,
      client: { region: 'cn-north-4', endpoint: undefined, projectId: PROJECT, service: 'ecs', auth: 'none' },
      watch: { timeout: 600_000, concurrency: 32, maxRequestsPerSecond: 2.5, successConfirmations: 2 },
      json: true,
    });
  });

  it('takes region, project and credentials from the environment; flags win', () => {
    const env = { HUAWEICLOUD_SDK_REGION: 'ap-southeast-1', HUAWEICLOUD_SDK_PROJECT_ID: 'p-env', HUAWEICLOUD_SDK_AK: 'ak', HUAWEICLOUD_SDK_SK: 'sk' };
    expect(waitConfig(['x'], env).client).toMatchObject({ region: 'ap-southeast-1', projectId: 'p-env', auth: 'env' });
    expect(waitConfig(['--project', 'p-flag', '-f', 'ids.txt'], env)).toMatchObject({ file: 'ids.txt', client: { projectId: 'p-flag' } });
    expect(waitConfig(['x'], { ...env, HUAWEICLOUD_SDK_AK: '', HUAWEICLOUD_AUTH_TOKEN: 'token' }).client.auth).toBe('env');
  });

  it('drops the region when an endpoint is given', () => {
    expect(waitConfig(['--endpoint', 'http://localhost:8080/base', '--region', 'cn-north-4', '--project', 'p', '--no-auth', 'x']).client).toMatchObject({
      endpoint: 'http://localhost:8080/base',
      region: undefined,
    });
  });

  it('maps the tuning flags', () => {
    const config = waitConfig(['--endpoint', 'https://evs.example.com', '--project', 'p', '--no-auth', '--max-lag', '250', '--poll-interval', '100', '--not-found-checks', '0', 'x']);
    expect(config.watch).toEqual({ maxLag: 250, pollInterval: 100, notFoundChecks: 0 });
  });

  it('refuses bad usage with one clear message each', () => {
    const base = ['--endpoint', 'https://evs.example.com', '--project', 'p', '--no-auth'];
    expect(usage(() => waitConfig([...base]))).toMatch(/^no job ids/);
    expect(usage(() => waitConfig([...base, '--service', 'dss', 'x']))).toBe('invalid --service "dss": expected evs, ecs, ims, bms');
    expect(usage(() => waitConfig(['--region', 'CN North', '--project', 'p', '--no-auth', 'x']))).toBe(
      'invalid --region: Expected `region` (or HUAWEICLOUD_SDK_REGION) like "cn-north-4" when no `endpoint` is given, got "CN North"',
    );
    expect(usage(() => waitConfig(['--endpoint', 'ftp://x', '--project', 'p', '--no-auth', 'x']))).toBe('invalid --endpoint: Expected `endpoint` to use https:// or http://');
    expect(usage(() => waitConfig(['--endpoint', 'http://10.1.2.3', '--project', 'p', '--no-auth', 'x']))).toMatch(/^invalid --endpoint: Refusing plain http:\/\/ to 10\.1\.2\.3/);
    expect(usage(() => waitConfig(['--endpoint', 'https://u:pw@x', '--project', 'p', '--no-auth', 'x']))).not.toContain('pw');
    expect(usage(() => waitConfig(['--endpoint', 'http://[::1]:1', '--project', 'p/..', '--no-auth', 'x']))).toMatch(/^invalid project id/);
    expect(usage(() => waitConfig([...base, '--rps', '0', 'x']))).toMatch(/^invalid --rps "0"/);
    expect(usage(() => waitConfig([...base, '--json=yes', 'x']))).toBe('--json takes no value');
    expect(usage(() => waitConfig([...base, '--timeout']))).toBe('--timeout needs a value');
    expect(usage(() => waitConfig([...base, '--timeout', '--json', 'x']))).toBe('--timeout needs a value');
    expect(usage(() => waitConfig([...base, '--timeout=', 'x']))).toBe('--timeout needs a value');
    expect(usage(() => waitConfig([...base, '-f']))).toBe('--file needs a value');
    expect(usage(() => parseCommandLine(['simulate', '--host='], {}))).toBe('--host needs a value');
    expect(usage(() => parseCommandLine(['demo', 'extra'], {}))).toBe('unexpected argument "extra"');
    expect(usage(() => parseCommandLine(['--frob'], {}))).toMatch(/^unknown option --frob before the command/);
  });

  it('answers help and version at any level', () => {
    expect(parseCommandLine(['--help'], {})).toEqual({ kind: 'help', command: undefined });
    expect(parseCommandLine(['help', 'simulate'], {})).toEqual({ kind: 'help', command: 'simulate' });
    expect(parseCommandLine(['wait', '-h'], {})).toEqual({ kind: 'help', command: 'wait' });
    expect(parseCommandLine(['demo', '--version'], {})).toEqual({ kind: 'version' });
  });

  it('parses simulate and demo options with their defaults', () => {
    expect(parseCommandLine(['simulate'], {})).toEqual({ kind: 'simulate', config: { port: 0, host: '127.0.0.1', jobs: 20, faults: {}, seed: undefined } });
    expect(parseCommandLine(['simulate', '--port', '8080', '--host', '0.0.0.0', '--jobs', '3', '--seed', '9', '--faults', 'throttle=0.1'], {})).toEqual({
      kind: 'simulate',
      config: { port: 8080, host: '0.0.0.0', jobs: 3, faults: { throttle: 0.1 }, seed: 9 },
    });
    expect(parseCommandLine(['demo'], {})).toEqual({ kind: 'demo', config: { speed: 40, jobs: 300, seed: 1, json: false } });
    expect(usage(() => parseCommandLine(['demo', '--speed', '0'], {}))).toMatch(/^invalid --speed "0"/);
  });
});

describe('durations', () => {
  it('reads seconds by default, and ms, s, m, h', () => {
    expect(parseDuration('timeout', '600')).toBe(600_000);
    expect(parseDuration('timeout', '1.5')).toBe(1_500);
    expect(parseDuration('timeout', '250ms')).toBe(250);
    expect(parseDuration('timeout', '90s')).toBe(90_000);
    expect(parseDuration('timeout', '10m')).toBe(600_000);
    expect(parseDuration('timeout', '2h')).toBe(7_200_000);
  });

  it('refuses what a timer cannot honour', () => {
    for (const text of ['', '0', '-5', '1d', '10 m', 'abc', '0.0001', '600h']) expect(() => parseDuration('timeout', text)).toThrow(UsageError);
  });

  it('formats for people', () => {
    expect([850, 12_345, 245_000, 3_725_000].map(formatDuration)).toEqual(['850ms', '12.3s', '4m05s', '1h02m']);
  });
});

describe('parseFaults', () => {
  it('maps a spec onto the simulator fault options', () => {
    expect(parseFaults('throttle=0.05, error503=0.02,latency=200')).toEqual({ throttle: 0.05, error503: 0.02, latency: 200 });
    expect(parseFaults('latency=50-300,latencyProbability=0.5,retryAfter=2,rateLimit=20/40')).toEqual({
      latency: { min: 50, max: 300 },
      latencyProbability: 0.5,
      throttleRetryAfter: 2,
      rateLimit: { requestsPerSecond: 20, burst: 40 },
    });
    expect(parseFaults('')).toEqual({});
  });

  it('refuses unknown faults, bad values and probabilities over 1', () => {
    for (const spec of ['thunder=0.1', 'throttle', 'throttle=1.5', 'latency=300-50', 'rateLimit=0', 'rateLimit=5/0', 'retryAfter=1.5', 'throttle=0.6,error500=0.6']) {
      expect(() => parseFaults(spec), spec).toThrow(UsageError);
    }
  });
});
