import { describe, expect, it } from 'vitest';
import { InFlight, InFlightRequest } from '../../src/client/in-flight.js';
import { createFakeClock } from '../helpers/fake-clock.js';

/** A request that records how it ended and leaves the registry, as a real one does. */
class Probe extends InFlightRequest {
  error: Error | undefined;
  constructor(readonly registry: InFlight) {
    super();
  }
  abort(error: Error): void {
    this.error = error;
    this.registry.remove(this);
  }
}

describe('InFlight: every request timeout on one timer of the injected clock', () => {
  it('times each request out exactly `timeout` ms after it started, with one timer at a time', async () => {
    const clock = createFakeClock();
    const registry = new InFlight(clock, 1_000);
    const first = new Probe(registry);
    registry.add(first);
    await clock.tick(300);
    const second = new Probe(registry);
    registry.add(second);
    expect(clock.fake.countTimers()).toBe(1);

    await clock.tick(699);
    expect(first.error).toBeUndefined();
    await clock.tick(1);
    expect(first.error).toMatchObject({ name: 'RequestTimeoutError', timeout: 1_000 });
    expect(second.error).toBeUndefined();
    await clock.tick(299);
    expect(second.error).toBeUndefined();
    await clock.tick(1);
    expect(second.error).toMatchObject({ name: 'RequestTimeoutError' });
    expect(clock.fake.countTimers()).toBe(0);
  });

  it('skips requests that ended, and leaves no timer once none is in flight', async () => {
    const clock = createFakeClock();
    const registry = new InFlight(clock, 1_000);
    const [a, b, c] = [new Probe(registry), new Probe(registry), new Probe(registry)];
    registry.add(a);
    await clock.tick(100);
    registry.add(b);
    await clock.tick(100);
    registry.add(c);
    registry.remove(a);
    registry.remove(c);

    await clock.tick(1_000);
    expect([a.error, b.error?.name, c.error]).toEqual([undefined, 'RequestTimeoutError', undefined]);
    registry.add(a);
    registry.remove(a);
    expect(clock.fake.countTimers()).toBe(0);
  });

  it('aborts every request in flight with one error', () => {
    const clock = createFakeClock();
    const registry = new InFlight(clock, 1_000);
    const probes = [new Probe(registry), new Probe(registry), new Probe(registry)];
    for (const probe of probes) registry.add(probe);
    const error = new Error('destroyed');

    registry.abortAll(error);

    expect(probes.map((probe) => probe.error)).toEqual([error, error, error]);
    expect(clock.fake.countTimers()).toBe(0);
  });
});
