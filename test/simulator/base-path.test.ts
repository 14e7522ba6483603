import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/index.js';
import { createFakeClock } from '../helpers/fake-clock.js';
import { signedHeaders, useSimulators } from './helpers.js';

const start = useSimulators();
const keys = { accessKey: 'AK_TEST', secretKey: 'SK_very_secret' };

/** GET `path` (the whole path, base included) on the simulator's origin. */
async function get(url: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await request(`${new URL(url).origin}${path}`, { headers });
  return { status: response.statusCode, body: JSON.parse(await response.body.text()) as Record<string, unknown> };
}

describe('simulator basePath: the API under a prefix, as behind a proxy or a private endpoint', () => {
  it('serves the job API under the base path, and its url carries it', async () => {
    const simulator = await start({ basePath: '/evs-proxy/' });
    const jobId = simulator.addJob();

    expect(simulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/evs-proxy$/);
    expect((await get(simulator.url, `/evs-proxy/v1/${simulator.projectId}/jobs/${jobId}`)).status).toBe(200);
  });

  it.each(['/v1/{p}/jobs/{j}', '/other/v1/{p}/jobs/{j}', '/evs-proxyx/v1/{p}/jobs/{j}'])('answers 404 APIGW.0101 outside it: %s', async (pattern) => {
    const simulator = await start({ basePath: '/evs-proxy' });
    const path = pattern.replace('{p}', simulator.projectId).replace('{j}', simulator.addJob());

    const reply = await get(simulator.url, path);

    expect(reply.status).toBe(404);
    expect(reply.body).toMatchObject({ error_code: 'APIGW.0101' });
  });

  it('matches an encoded base path decoded once, and its url keeps it encoded', async () => {
    const simulator = await start({ basePath: '/a%20b' });
    const jobId = simulator.addJob();

    expect(simulator.url).toMatch(/\/a%20b$/);
    expect((await get(simulator.url, `/a%20b/v1/${simulator.projectId}/jobs/${jobId}`)).status).toBe(200);
  });

  it('verifies a signature over the path as received, decoded once: one over the doubly encoded path is refused', async () => {
    const clock = createFakeClock();
    const simulator = await start({ clock, basePath: '/a%20b', auth: keys });
    const path = `/a%20b/v1/${simulator.projectId}/jobs/${simulator.addJob()}`;
    const sign = (signedPath: string): Record<string, string> => signedHeaders(simulator, { method: 'GET', path: signedPath, time: clock.wallNow(), ...keys });

    // The decoded path, which the signer canonicalises back to what was sent.
    expect((await get(simulator.url, path, sign(path.replace('%20', ' ')))).status).toBe(200);
    // What the client used to sign: `/a%20b` taken as decoded, so canonicalised to `/a%2520b/…`.
    const refused = await get(simulator.url, path, sign(path));
    expect(refused.status).toBe(401);
    expect(refused.body['error_msg']).toBe('Incorrect IAM authentication information: signature mismatch');
    expect(simulator.stats().authFailures).toBe(1);
  });

  it.each(['evs', '/a?b', '/a#b', '/a%2Fb', '/a%zz', 42])('refuses basePath %j', async (basePath) => {
    await expect(startSimulator({ basePath: basePath as string })).rejects.toThrow(
      `Expected \`basePath\` to be '' or a URL path like '/evs-proxy' (valid percent-encoding, no %2F, query or fragment), got ${JSON.stringify(basePath)}`,
    );
  });
});
