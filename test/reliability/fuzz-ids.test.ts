import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EvsClient } from '../../src/client/evs-client.js';
import { parseIdLines } from '../../src/cli/read-ids.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { isSafeId } from '../../src/validation/ids.js';
import { JobWatcher } from '../../src/watcher/job-watcher.js';
import { expectNoStackTrace, runCli } from '../cli/helpers.js';
import { expectQuiet, guardProcess } from './support/guard.js';

// Job and project ids from arbitrary strings: refused with a TypeError before any
// request, or sent exactly as /v1/{projectId}/jobs/{jobId}; never another path on
// the wire. Same for the CLI's id parsing. Reproduce: npx vitest run test/reliability/fuzz-ids.test.ts

const noise = guardProcess();
afterEach(() => expectQuiet(noise));

/** Strings that try to change a path: traversal, separators, encodings, whitespace, look-alikes. */
const NASTY = [
  '', '.', '..', '...', '../x', 'a/../b', 'a/b', 'a\\b', '%2e%2e', '%2F', 'a%2Fb', 'a?b=1', 'a#b', 'a b', ' a', 'a\t', 'a\nb', 'a\r\nHost: evil',
  'a\u0000b', 'jöb', 'ｊｏｂ', 'a\u200bb', 'a\u2215b', '\ud800', '😀', '.a', 'a.', '-', '_', 'a..b', 'A-Z_a.z', 'x'.repeat(128), 'x'.repeat(129), '//evil.example.com',
];
const id = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 140 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z0-9_.-]{1,130}$/) },
  { weight: 2, arbitrary: fc.constantFrom(...NASTY) },
);

describe('ids from arbitrary strings, over HTTP to the simulator', () => {
  let sim: Simulator;
  let client: EvsClient;
  beforeAll(async () => {
    sim = await startSimulator({ host: '127.0.0.1', port: 0, recordRequests: true });
    client = new EvsClient({ endpoint: sim.url, projectId: sim.projectId, credentials: 'none', env: {} });
  });
  afterAll(async () => {
    await client.destroy();
    await sim.close();
  });

  it('EvsClient.getJob: a TypeError before any request, or exactly GET /v1/{projectId}/jobs/{jobId}', async () => {
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(id, async (jobId) => {
        const before = sim.stats().requests;
        const outcome = await client.getJob(jobId).then(
          () => 'answered',
          (error: unknown) => error,
        );
        const log = sim.stats().log.slice(before);
        if (outcome instanceof TypeError) {
          expect(isSafeId(jobId)).toBe(false);
          expect(outcome.message).toMatch(/^Expected `jobId` to be 1-128 characters/);
          expect(log).toEqual([]);
          return;
        }
        // Accepted: one request, on exactly the path the id names (the unknown job answers 400).
        sent += 1;
        expect(isSafeId(jobId)).toBe(true);
        expect(log.map((record) => ({ method: record.method, rawPath: record.rawPath, jobId: record.jobId }))).toEqual([
          { method: 'GET', rawPath: `/v1/${sim.projectId}/jobs/${jobId}`, jobId },
        ]);
      }),
      { numRuns: 600 },
    );
    expect(sent).toBeGreaterThan(100);
  });

  it('project ids: a TypeError when the client is made, or requests on exactly /v1/{projectId}/jobs/{jobId}', async () => {
    await fc.assert(
      fc.asyncProperty(id, async (projectId) => {
        let other: EvsClient;
        try {
          other = new EvsClient({ endpoint: sim.url, projectId, credentials: 'none', env: {} });
        } catch (error) {
          expect(error).toBeInstanceOf(TypeError);
          expect(isSafeId(projectId)).toBe(false);
          return;
        }
        expect(isSafeId(projectId)).toBe(true);
        const before = sim.stats().requests;
        // A project the simulator does not serve is refused (403), after the request reached the right path.
        await other.getJob('0123456789abcdef0123456789abcdef').catch(() => undefined);
        await other.destroy();
        expect(sim.stats().log.slice(before).map((record) => record.rawPath)).toEqual([`/v1/${projectId}/jobs/0123456789abcdef0123456789abcdef`]);
      }),
      { numRuns: 300 },
    );
  });

  it('JobWatcher.watch / watchAll: an unsafe id rejects with a TypeError and nothing is polled', async () => {
    const watcher = new JobWatcher({ client, learn: false, initialDelay: 1, factor: 1, timeout: 60_000 });
    try {
      await fc.assert(
        fc.asyncProperty(id.filter((jobId) => !isSafeId(jobId)), async (jobId) => {
          const before = sim.stats().requests;
          await expect(watcher.watch(jobId)).rejects.toBeInstanceOf(TypeError);
          await expect(watcher.watchAll(['0123456789abcdef0123456789abcdef', jobId])).rejects.toBeInstanceOf(TypeError);
          expect(watcher.stats().watched).toBe(0);
          expect(sim.stats().requests).toBe(before);
        }),
        { numRuns: 300 },
      );
    } finally {
      await watcher.destroy();
    }
  });
});

describe('the CLI’s job ids', () => {
  it('parseIdLines: every id it returns is safe and is exactly a line (before #, trimmed); anything else is a UsageError', () => {
    const line = fc.oneof(id, fc.constantFrom('# comment', '', '   ', 'abc # trailing comment', '\r'));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), (lines) => {
        const text = lines.join('\n');
        const expected = text
          .split(/\r?\n/)
          .map((each) => (each.split('#', 1)[0] ?? '').trim())
          .filter((each) => each !== '');
        let ids: string[];
        try {
          ids = parseIdLines(text, 'fuzz');
        } catch (error) {
          expect(error).toBeInstanceOf(UsageError);
          expect(expected.some((each) => !isSafeId(each))).toBe(true);
          return;
        }
        expect(ids).toEqual(expected);
        expect(ids.every((each) => isSafeId(each))).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  describe('the built evs-jobs binary, given unsafe ids', () => {
    const dir = mkdtempSync(join(tmpdir(), 'evs-ids-'));
    let sim: Simulator;
    beforeAll(async () => {
      sim = await startSimulator({ host: '127.0.0.1', port: 0 });
    });
    afterAll(async () => {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it.each([
      ['traversal', '../../admin'],
      ['a slash', 'a/b'],
      ['percent-encoded dots', '%2e%2e'],
      ['a query', 'a?x=1'],
      ['a header injection', 'a\r\nHost: evil'],
      ['non-ASCII', 'jöb'],
      ['129 characters', 'x'.repeat(129)],
    ])('as an argument (%s): exit 2, one line on stderr, nothing sent', async (_what, bad) => {
      const result = await runCli(['wait', '--endpoint', sim.url, '--project', sim.projectId, '--no-auth', '0123456789abcdef0123456789abcdef', bad]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/invalid job id/);
      expectNoStackTrace(result);
      expect(sim.stats().requests).toBe(0);
    });

    it('in a --file (line 3 of 4): exit 2 naming the line, nothing sent', async () => {
      const file = join(dir, 'ids.txt');
      writeFileSync(file, '0123456789abcdef0123456789abcdef\n# a comment\n../etc/passwd\nfedcba9876543210fedcba9876543210\n');
      const result = await runCli(['wait', '--endpoint', sim.url, '--project', sim.projectId, '--no-auth', '--file', file]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/invalid job id "\.\.\/etc\/passwd" \(.*ids\.txt line 3\)/);
      expect(sim.stats().requests).toBe(0);
    });

    it('an unsafe --project: exit 2, nothing sent', async () => {
      const result = await runCli(['wait', '--endpoint', sim.url, '--project', '../other', '--no-auth', '0123456789abcdef0123456789abcdef']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/invalid project id/);
      expect(sim.stats().requests).toBe(0);
    });
  });
});
