import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EvsClient } from '../../src/client/evs-client.js';
import { NetworkError } from '../../src/errors/request-errors.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { expectQuiet, guardProcess } from './support/guard.js';

// Only https to non-loopback endpoints (unless allowInsecureHttp); TLS
// verification is never turned off by the library; plain http never reaches a
// proxy off this machine. Reproduce: npx vitest run test/reliability/transport-security.test.ts

const noise = guardProcess();
afterEach(() => expectQuiet(noise));

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : [path];
  });
}

describe('TLS verification is never turned off by the library', () => {
  it('no source file mentions rejectUnauthorized, NODE_TLS_REJECT_UNAUTHORIZED or checkServerIdentity', () => {
    const files = sourceFiles(SRC);
    expect(files.length).toBeGreaterThan(50);
    const offending = files.filter((file) => /rejectUnauthorized|NODE_TLS_REJECT_UNAUTHORIZED|checkServerIdentity/.test(readFileSync(file, 'utf8')));
    expect(offending).toEqual([]);
  });

  const openssl = (() => {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!openssl)('refuses a self-signed certificate: NetworkError, and the server never sees the request', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evs-tls-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    let requests = 0;
    const server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => {
      requests += 1;
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const client = new EvsClient({ endpoint: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, projectId: 'p', credentials: { token: 'secret-token' }, env: {} });
    cleanups.push(() => client.destroy());

    const error = await client.getJob('0123456789abcdef0123456789abcdef').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).message).toMatch(/self.signed|DEPTH_ZERO|SELF_SIGNED/i);
    expect(requests).toBe(0);
  });
});

describe('plain http only to loopback, unless allowInsecureHttp', () => {
  const base = { projectId: 'p', credentials: { token: 'secret-token' }, env: {} } as const;

  it.each(['http://evs.example.com', 'http://10.0.0.1', 'http://192.168.1.10:8080', 'http://[::2]', 'http://localhost.example.com', 'http://127.0.0.1.nip.io', 'http://0.0.0.0', 'HTTP://EVS.EXAMPLE.COM'])(
    'refuses %s',
    (endpoint) => {
      expect(() => new EvsClient({ ...base, endpoint })).toThrow(/^Refusing plain http:\/\/ to .*: credentials would travel in clear text/);
      expect(() => new EvsClient({ ...base, endpoint, allowInsecureHttp: true })).not.toThrow();
    },
  );

  it.each(['http://127.0.0.1:8080', 'http://127.1.2.3', 'http://localhost:1', 'http://[::1]:1', 'http://2130706433'])('accepts loopback %s', (endpoint) => {
    expect(() => new EvsClient({ ...base, endpoint })).not.toThrow();
  });

  it('builds https:// endpoints from a region', () => {
    expect(new EvsClient({ ...base, region: 'cn-north-4' }).endpoint).toBe('https://evs.cn-north-4.myhuaweicloud.com');
  });
});

/** A CONNECT proxy that records what goes through its tunnels. */
async function sniffingProxy(host: string): Promise<{ url: string; readonly tunnels: number; readonly seen: string }> {
  const state = { tunnels: 0, seen: '' };
  const sockets = new Set<Socket>();
  const server: Server = createHttpServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req, client: Socket, head) => {
    state.tunnels += 1;
    const [target, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), target, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      client.on('data', (chunk: Buffer) => (state.seen += chunk.toString('latin1')));
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  cleanups.push(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    get tunnels() {
      return state.tunnels;
    },
    get seen() {
      return state.seen;
    },
  };
}

/** An address of this machine that is not loopback, if it has one (the proxy then counts as "another machine"). */
const lanAddress = Object.values(networkInterfaces())
  .flat()
  .find((address) => address !== undefined && !address.internal && address.family === 'IPv4')?.address;

describe('plain http never goes through a proxy off loopback', () => {
  let sim: Simulator;
  const token = 'TOKEN-seen-by-the-proxy?';

  it.skipIf(lanAddress === undefined)('a proxy on a non-loopback address never sees a loopback http request (nor its IAM token)', async () => {
    sim = await startSimulator({ host: '127.0.0.1', port: 0, auth: { tokens: [token] } });
    cleanups.push(() => sim.close());
    const proxy = await sniffingProxy(lanAddress!);
    const client = new EvsClient({ endpoint: sim.url, projectId: sim.projectId, credentials: { token }, env: { HTTP_PROXY: proxy.url } });
    cleanups.push(() => client.destroy());

    await expect(client.getJob(sim.addJob())).resolves.toMatchObject({ status: 'RUNNING' });
    expect(proxy.tunnels).toBe(0);
    expect(proxy.seen).not.toContain(token);

    // Opting in with allowInsecureHttp restores the proxy (the user said clear text is fine).
    const optedIn = new EvsClient({ endpoint: sim.url, projectId: sim.projectId, credentials: { token }, env: { HTTP_PROXY: proxy.url }, allowInsecureHttp: true });
    cleanups.push(() => optedIn.destroy());
    await expect(optedIn.getJob(sim.addJob())).resolves.toMatchObject({ status: 'RUNNING' });
    expect(proxy.tunnels).toBe(1);
  });

  it('a loopback http endpoint works with HTTP_PROXY pointing at an unreachable remote proxy (it goes direct)', async () => {
    const direct = await startSimulator({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => direct.close());
    // TEST-NET-2: never routed. Through it, the request could only time out.
    const client = new EvsClient({ endpoint: direct.url, projectId: direct.projectId, credentials: 'none', env: { HTTP_PROXY: 'http://198.51.100.1:3128', HTTPS_PROXY: 'http://198.51.100.1:3128' }, timeout: 3_000 });
    cleanups.push(() => client.destroy());
    await expect(client.getJob(direct.addJob())).resolves.toMatchObject({ status: 'RUNNING' });
  });

  it('a loopback proxy is still used for a loopback http endpoint', async () => {
    const local = await startSimulator({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => local.close());
    const proxy = await sniffingProxy('127.0.0.1');
    const client = new EvsClient({ endpoint: local.url, projectId: local.projectId, credentials: 'none', env: { HTTP_PROXY: proxy.url } });
    cleanups.push(() => client.destroy());
    await expect(client.getJob(local.addJob())).resolves.toMatchObject({ status: 'RUNNING' });
    expect(proxy.tunnels).toBe(1);
  });
});
