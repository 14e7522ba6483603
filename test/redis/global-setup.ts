import { ensureRedisServer } from '../helpers/redis-server.js';

/** The fleet tests run against a real redis-server: find it, or install it, once per test run. */
export default function setup(): void {
  ensureRedisServer();
}
