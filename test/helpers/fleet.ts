import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startRedisServer, type RedisServer, type RedisServerOptions } from './redis-server.js';

/** A redis-server for the test file, and ioredis clients that are closed after each test. */
export interface RedisRig {
  /** The server (started in beforeAll). */
  server(): RedisServer;
  /** A client of it, quit after the test. */
  client(): Redis;
  /** A fleet name no other test uses. */
  name(): string;
}

/** Starts one redis-server for the file (closed after it) and tracks clients per test. Call once at the top of a test file. */
export function useRedis(options: RedisServerOptions = {}): RedisRig {
  let server: RedisServer | undefined;
  const clients: Redis[] = [];
  beforeAll(async () => {
    server = await startRedisServer(options);
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.disconnect();
  });
  afterAll(async () => {
    await server?.close();
  });
  const rig: RedisRig = {
    server: () => {
      if (server === undefined) throw new Error('the redis-server starts in beforeAll');
      return server;
    },
    client: () => {
      const client = new Redis(rig.server().url, { maxRetriesPerRequest: null });
      clients.push(client);
      return client;
    },
    name: () => `test-${randomUUID().slice(0, 8)}`,
  };
  return rig;
}
