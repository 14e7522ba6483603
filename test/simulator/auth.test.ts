import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import { describe, expect, it } from 'vitest';
import { sign } from '../../src/client/auth/signer.js';
import type { Simulator, SimulatorAuth } from '../../src/simulator/index.js';
import { createFakeClock, type FakeClock } from '../helpers/fake-clock.js';
import { body, getJob, jobPath, send, signedHeaders, useSimulators, type HttpReply } from './helpers.js';

const start = useSimulators();
const keys = { accessKey: 'AK_TEST', secretKey: 'SK_very_secret' };

async function signedSimulator(clock: FakeClock, extra: { securityToken?: string; maxSkew?: number } = {}): Promise<Simulator> {
  const { maxSkew, ...auth } = extra;
  return start({ clock, auth: { ...keys, ...auth }, ...(maxSkew !== undefined && { maxSkew }) });
}

/** A signed GET of `jobId`, signed at `time` (default: now) with `secretKey` (default: the right one). */
function signedGet(simulator: Simulator, clock: FakeClock, jobId: string, options: { time?: number; secretKey?: string } = {}): Promise<HttpReply> {
  const path = jobPath(simulator, jobId);
  const headers = signedHeaders(simulator, { method: 'GET', path, time: options.time ?? clock.wallNow(), ...keys, ...options });
  return send(simulator, 'GET', path, { headers });
}

function expectRefused(reply: HttpReply, reason: RegExp): void {
  expect(reply.status).toBe(401);
  const error = body(reply);
  expect(error).toMatchObject({ error_code: 'APIGW.0301', request_id: reply.headers['x-request-id'] });
  expect(error['error_msg']).toMatch(/^Incorrect IAM authentication information: /);
  expect(error['error_msg']).toMatch(reason);
  expect(reply.text).not.toContain(keys.secretKey);
}

describe('AK/SK signatures', () => {
  it('accept a request signed like the client signs it', async () => {
    const clock = createFakeClock();
    const simulator = await signedSimulator(clock);
    const reply = await signedGet(simulator, clock, simulator.addJob());

    expect(reply.status).toBe(200);
    expect(simulator.stats().authFailures).toBe(0);
  });

  it('verify the decoded path and query, as the signer re-encodes them', async () => {
    const clock = createFakeClock();
    const simulator = await signedSimulator(clock);
    const path = `/v1/${simulator.projectId}/jobs/a b`;
    const query = { marker: 'x/y z', limit: '10' };
    const headers = signedHeaders(simulator, { method: 'GET', path, query, time: clock.wallNow(), ...keys });
    const reply = await send(simulator, 'GET', `/v1/${simulator.projectId}/jobs/a%20b?marker=x%2Fy%20z&limit=10`, { headers });

    // Past the gateway: the job is unknown to the service.
    expect(reply.status).toBe(400);
    expect(body(reply)).toMatchObject({ error: { code: 'Common.0011' } });
  });

  it('cover the body', async () => {
    const clock = createFakeClock();
    const simulator = await signedSimulator(clock);
    const path = `/v2/${simulator.projectId}/cloudvolumes`;
    const signed = '{"volume":{"size":10}}';
    const headers = signedHeaders(simulator, { method: 'POST', path, body: signed, time: clock.wallNow(), ...keys });

    expect((await send(simulator, 'POST', path, { headers, body: signed })).status).toBe(202);
    expectRefused(await send(simulator, 'POST', path, { headers, body: '{"volume":{"size":20}}' }), /signature mismatch/);
  });

  it('refuse a wrong secret without revealing the expected signature', async () => {
    const clock = createFakeClock();
    const simulator = await signedSimulator(clock);
    const jobId = simulator.addJob();
    const reply = await signedGet(simulator, clock, jobId, { secretKey: 'wrong' });
    const path = jobPath(simulator, jobId);
    const good = signedHeaders(simulator, { method: 'GET', path, time: clock.wallNow(), ...keys });
    const expected = sign({ method: 'GET', path, headers: { host: good['host']!, 'x-sdk-date': good['x-sdk-date']! } }, keys.secretKey);

    expectRefused(reply, /signature mismatch/);
    expect(reply.text).not.toContain(expected.signature);
    expect(simulator.stats().authFailures).toBe(1);
  });

  it('refuse a missing Authorization header and an unknown access key', async () => {
    const clock = createFakeClock();
    const simulator = await signedSimulator(clock);
    const jobId = simulator.addJob();
    const path = jobPath(simulator, jobId);
    const stranger = signedHeaders(simulator, { method: 'GET', path, time: clock.wallNow(), accessKey: 'AK_OTHER', secretKey: 'x' });

    expectRefused(await getJob(simulator, jobId), /Authorization header is missing or malformed/);
    expectRefused(await send(simulator, 'GET', path, { headers: stranger }), /unknown access key/);
  });

  it('refuse an X-Sdk-Date more than maxSkew from server time, which setSkew moves', async () => {
    const clock = createFakeClock();
    const simulator = await signedSimulator(clock, { maxSkew: 60_000 });
    const jobId = simulator.addJob();

    expect((await signedGet(simulator, clock, jobId, { time: clock.wallNow() - 60_000 })).status).toBe(200);
    expectRefused(await signedGet(simulator, clock, jobId, { time: clock.wallNow() - 61_000 }), /request expired/);
    expectRefused(await signedGet(simulator, clock, jobId, { time: clock.wallNow() + 61_000 }), /request expired/);

    simulator.setSkew(120_000);
    expectRefused(await signedGet(simulator, clock, jobId), /request expired/);
    expect((await signedGet(simulator, clock, jobId, { time: clock.wallNow() + 120_000 })).status).toBe(200);
  });

  it('allow 15 minutes of skew by default', async () => {
    const clock = createFakeClock();
    const simulator = await signedSimulator(clock);
    const jobId = simulator.addJob();

    expect((await signedGet(simulator, clock, jobId, { time: clock.wallNow() - 15 * 60_000 })).status).toBe(200);
    expectRefused(await signedGet(simulator, clock, jobId, { time: clock.wallNow() - 15 * 60_000 - 1_000 }), /request expired/);
  });

  it('require a configured X-Security-Token, signed', async () => {
    const clock = createFakeClock();
    const simulator = await signedSimulator(clock, { securityToken: 'STS_TOKEN' });
    const path = jobPath(simulator, simulator.addJob());
    const withToken = (extra: Record<string, string>): Record<string, string> =>
      signedHeaders(simulator, { method: 'GET', path, time: clock.wallNow(), ...keys, extra });

    expect((await send(simulator, 'GET', path, { headers: withToken({ 'x-security-token': 'STS_TOKEN' }) })).status).toBe(200);
    expectRefused(await send(simulator, 'GET', path, { headers: withToken({}) }), /X-Security-Token is missing or invalid/);
    expectRefused(await send(simulator, 'GET', path, { headers: withToken({ 'x-security-token': 'OTHER' }) }), /X-Security-Token is missing or invalid/);
    const unsigned = { ...withToken({}), 'x-security-token': 'STS_TOKEN' };
    expectRefused(await send(simulator, 'GET', path, { headers: unsigned }), /X-Security-Token is not signed/);
  });

  it('lock the access key for 5 minutes after 5 bad signatures within 5 minutes', async () => {
    const clock = createFakeClock();
    const simulator = await signedSimulator(clock);
    const jobId = simulator.addJob();

    for (let attempt = 0; attempt < 5; attempt++) {
      expectRefused(await signedGet(simulator, clock, jobId, { secretKey: 'wrong' }), /signature mismatch/);
    }
    expectRefused(await signedGet(simulator, clock, jobId), /locked/);
    await clock.tick(5 * 60_000 - 1);
    expectRefused(await signedGet(simulator, clock, jobId), /locked/);
    await clock.tick(1);
    expect((await signedGet(simulator, clock, jobId)).status).toBe(200);
  });

  it('forget bad signatures older than 5 minutes', async () => {
    const clock = createFakeClock();
    const simulator = await signedSimulator(clock);
    const jobId = simulator.addJob();

    for (let attempt = 0; attempt < 4; attempt++) await signedGet(simulator, clock, jobId, { secretKey: 'wrong' });
    await clock.tick(5 * 60_000);
    await signedGet(simulator, clock, jobId, { secretKey: 'wrong' });
    expect((await signedGet(simulator, clock, jobId)).status).toBe(200);
  });
});

describe('token auth', () => {
  it('accepts a listed X-Auth-Token and refuses others', async () => {
    const simulator = await start({ auth: { tokens: ['token-a', 'token-b'] } });
    const jobId = simulator.addJob();

    expect((await getJob(simulator, jobId, { 'x-auth-token': 'token-b' })).status).toBe(200);
    expectRefused(await getJob(simulator, jobId, { 'x-auth-token': 'token-c' }), /X-Auth-Token is invalid/);
    expectRefused(await getJob(simulator, jobId), /X-Auth-Token is missing/);
    expect(simulator.stats().authFailures).toBe(2);
  });
});

describe('the gateway', () => {
  it('authenticates before faults and routing', async () => {
    const simulator = await start({ auth: { tokens: ['t'] }, faults: { script: ['error500'] } });
    const jobId = simulator.addJob();

    expect((await send(simulator, 'GET', '/unknown')).status).toBe(401);
    expect((await getJob(simulator, jobId)).status).toBe(401);
    expect((await getJob(simulator, jobId, { 'x-auth-token': 't' })).status).toBe(500);
  });

  it('accepts everything once auth is removed, and checks new auth when set', async () => {
    const simulator = await start({ auth: { tokens: ['t'] } });
    const jobId = simulator.addJob();

    simulator.setAuth(undefined);
    expect((await getJob(simulator, jobId)).status).toBe(200);
    simulator.setAuth({ tokens: ['u'] });
    expect((await getJob(simulator, jobId, { 'x-auth-token': 't' })).status).toBe(401);
    expect(() => simulator.setAuth({ accessKey: '', secretKey: 's' })).toThrow('Expected `auth.accessKey` to be a non-empty string, got `` (string)');
    expect(() => simulator.setAuth({ accessKey: 'a', secretKey: 's', securityTokn: 't' } as SimulatorAuth)).toThrow(
      new TypeError('Unknown option `auth.securityTokn` (did you mean `securityToken`?); known: accessKey, secretKey, securityToken'),
    );
    expect(() => simulator.setAuth({ accessKey: 'a', secretKey: null } as unknown as SimulatorAuth)).toThrow(
      'Expected `auth.secretKey` to be a value, got null: leave it out (or pass undefined) for the default',
    );
    expect(() => simulator.setAuth({ tokens: ['t'], accessKey: 'a' })).toThrow('Unknown option `auth.accessKey`; known: tokens');
    expect(() => simulator.setAuth(null as unknown as SimulatorAuth)).toThrow('Expected `auth` to be an object, got null');
  });
});

describe('compatibility with the official SDK', () => {
  it('accepts requests signed by @huaweicloud/huaweicloud-sdk-core', async () => {
    const simulator = await start({ auth: keys });
    const credentials = new BasicCredentials().withAk(keys.accessKey).withSk(keys.secretKey).withProjectId(simulator.projectId);
    const sdkSign = (method: string, path: string, data?: unknown, headers: Record<string, string> = {}): Record<string, string> =>
      AKSKSigner.sign({ endpoint: `${simulator.url}${path}`, method, headers, queryParams: {}, data }, credentials);
    const jobPathname = jobPath(simulator, simulator.addJob());
    const createPath = `/v2/${simulator.projectId}/cloudvolumes`;
    const volume = { volume: { size: 10 } };

    expect((await send(simulator, 'GET', jobPathname, { headers: sdkSign('GET', jobPathname) })).status).toBe(200);
    const headers = sdkSign('POST', createPath, volume, { 'Content-Type': 'application/json' });
    expect((await send(simulator, 'POST', createPath, { headers, body: JSON.stringify(volume) })).status).toBe(202);
  });
});
