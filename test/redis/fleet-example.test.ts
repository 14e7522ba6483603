import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { useRedis } from '../helpers/fleet.js';

const redis = useRedis();

it("runs the README's fleet example: two worker processes and an API server that polls nothing", async () => {
  const script = fileURLToPath(new URL('../../examples/fleet.mjs', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, [script], { env: { ...process.env, REDIS_URL: redis.server().url } });

  const [, created, first, second, own, seen] = /^(\d+)\/20 volumes created; polls by the workers (\d+) \+ (\d+), by this process (\d+), seen by the service (\d+)$/m.exec(stdout) ?? [];
  expect(created).toBe('20');
  expect(own).toBe('0');
  expect(Number(first) + Number(second)).toBe(Number(seen));
});
