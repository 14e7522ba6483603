import { describe, expect, it } from 'vitest';
import { MAX_DELAY } from '../../src/clock/clock.js';
import { PollScheduler } from '../../src/schedule/scheduler.js';
import type { HeapEntry } from '../../src/schedule/timer-heap.js';
import { createFakeClock, type FakeClock } from '../helpers/fake-clock.js';
import { flush } from '../helpers/time.js';

interface Entry extends HeapEntry {
  readonly name: string;
}

function entry(name: string): Entry {
  return { name, heapSlot: -1 };
}

interface Harness {
  readonly clock: FakeClock;
  readonly scheduler: PollScheduler<Entry, Entry, Entry>;
  /** `[name, fake ms since start]` of each poll started. */
  readonly polls: [string, number][];
  readonly expired: [string, number][];
  readonly timedOut: [string, number][];
  /** What the gate answers; called with `now`. */
  gate: (now: number) => number;
  readonly gateCalls: number[];
}

function harness(): Harness {
  const clock = createFakeClock();
  const start = clock.monotonicNow();
  const state: Harness = {
    clock,
    polls: [],
    expired: [],
    timedOut: [],
    gate: () => 0,
    gateCalls: [],
    scheduler: undefined as unknown as PollScheduler<Entry, Entry, Entry>,
  };
  const scheduler = new PollScheduler<Entry, Entry, Entry>(clock, {
    poll: (e) => state.polls.push([e.name, clock.monotonicNow() - start]),
    expire: (e) => state.expired.push([e.name, clock.monotonicNow() - start]),
    timeout: (e) => state.timedOut.push([e.name, clock.monotonicNow() - start]),
    gate: (now) => {
      state.gateCalls.push(now - start);
      return state.gate(now);
    },
  });
  return Object.assign(state, { scheduler });
}

describe('PollScheduler', () => {
  it('keeps ONE pending timer for thousands of polls and deadlines', async () => {
    const { clock, scheduler, polls, expired } = harness();
    const start = clock.monotonicNow();
    for (let i = 0; i < 2_000; i++) {
      scheduler.schedulePoll(entry(`p${i}`), start + 1_000 + ((i * 7_919) % 100_000));
      scheduler.scheduleDeadline(entry(`d${i}`), start + 200_000 + i);
    }

    expect(clock.fake.countTimers()).toBe(1);
    expect(scheduler.pending).toBe(2_000);
    expect(scheduler.deadlines).toBe(2_000);

    await clock.tick(150_000);
    expect(polls).toHaveLength(2_000);
    expect(clock.fake.countTimers()).toBe(1);
    await clock.tick(60_000);
    expect(expired).toHaveLength(2_000);
    expect(clock.fake.countTimers()).toBe(0);
  });

  it('starts every poll exactly at its due time, earliest first', async () => {
    const { clock, scheduler, polls } = harness();
    const start = clock.monotonicNow();
    scheduler.schedulePoll(entry('c'), start + 3_000);
    scheduler.schedulePoll(entry('a'), start + 1_000);
    scheduler.schedulePoll(entry('b'), start + 2_000);

    await clock.tick(5_000);
    expect(polls).toEqual([
      ['a', 1_000],
      ['b', 2_000],
      ['c', 3_000],
    ]);
  });

  it('moves an entry scheduled again, re-arming for the earlier time; it fires once', async () => {
    const { clock, scheduler, polls } = harness();
    const start = clock.monotonicNow();
    const a = entry('a');
    scheduler.schedulePoll(a, start + 5_000);
    scheduler.schedulePoll(a, start + 1_000);

    await clock.tick(10_000);
    expect(polls).toEqual([['a', 1_000]]);
  });

  it('starts polls already due in the next microtask, coalescing many calls into one pump', async () => {
    const { clock, scheduler, polls, gateCalls } = harness();
    for (const name of ['x', 'y', 'z']) scheduler.schedulePoll(entry(name), clock.monotonicNow());
    expect(polls).toEqual([]);

    await flush(clock);
    expect(polls.map(([name]) => name).sort()).toEqual(['x', 'y', 'z']);
    expect(gateCalls).toEqual([0, 0, 0]);
  });

  it('waits as long as the gate asks before trying again', async () => {
    const h = harness();
    const start = h.clock.monotonicNow();
    let refusals = 2;
    h.gate = () => (refusals-- > 0 ? 300 : 0);
    h.scheduler.schedulePoll(entry('a'), start + 1_000);

    await h.clock.tick(5_000);
    expect(h.gateCalls).toEqual([1_000, 1_300, 1_600]);
    expect(h.polls).toEqual([['a', 1_600]]);
  });

  it('fires deadlines on time even while the gate is closed, and holds polls until wake()', async () => {
    const h = harness();
    const start = h.clock.monotonicNow();
    h.gate = () => Number.POSITIVE_INFINITY;
    h.scheduler.schedulePoll(entry('poll'), start + 1_000);
    h.scheduler.scheduleDeadline(entry('deadline'), start + 2_000);

    await h.clock.tick(10_000);
    expect(h.expired).toEqual([['deadline', 2_000]]);
    expect(h.polls).toEqual([]);
    // A closed gate arms no timer: nothing spins while capacity is full.
    expect(h.clock.fake.countTimers()).toBe(0);

    h.gate = () => 0;
    h.scheduler.wake();
    await flush(h.clock);
    expect(h.polls).toEqual([['poll', 10_000]]);
  });

  it('never starts a cancelled poll nor expires a cancelled deadline', async () => {
    const { clock, scheduler, polls, expired } = harness();
    const start = clock.monotonicNow();
    const poll = entry('poll');
    const deadline = entry('deadline');
    scheduler.schedulePoll(poll, start + 1_000);
    scheduler.scheduleDeadline(deadline, start + 2_000);
    scheduler.schedulePoll(entry('other'), start + 3_000);
    scheduler.cancelPoll(poll);
    scheduler.cancelDeadline(deadline);

    expect(scheduler.hasPoll(poll)).toBe(false);
    await clock.tick(5_000);
    expect(polls).toEqual([['other', 3_000]]);
    expect(expired).toEqual([]);
  });

  it('leaves no timer behind once the last entry is cancelled (nothing keeps the process alive)', () => {
    const { clock, scheduler } = harness();
    const poll = entry('poll');
    const deadline = entry('deadline');
    scheduler.schedulePoll(poll, clock.monotonicNow() + 60_000);
    scheduler.scheduleDeadline(deadline, clock.monotonicNow() + 7_200_000);
    expect(clock.fake.countTimers()).toBe(1);

    scheduler.cancelPoll(poll);
    expect(clock.fake.countTimers()).toBe(1);
    scheduler.cancelDeadline(deadline);
    expect(clock.fake.countTimers()).toBe(0);
  });

  it('clear() drops every entry and the timer', () => {
    const { clock, scheduler } = harness();
    for (let i = 0; i < 10; i++) {
      scheduler.schedulePoll(entry(`p${i}`), clock.monotonicNow() + 1_000 * (i + 1));
      scheduler.scheduleDeadline(entry(`d${i}`), clock.monotonicNow() + 5_000 * (i + 1));
    }
    scheduler.close();

    expect(scheduler.pending).toBe(0);
    expect(scheduler.deadlines).toBe(0);
    expect(clock.fake.countTimers()).toBe(0);
  });

  it('reaches a due time beyond 2³¹−1 ms in bounded steps, never early', async () => {
    const { clock, scheduler, polls } = harness();
    scheduler.schedulePoll(entry('far'), clock.monotonicNow() + 3 * MAX_DELAY);

    await clock.tick(2 * MAX_DELAY);
    expect(polls).toEqual([]);
    await clock.tick(MAX_DELAY);
    expect(polls).toEqual([['far', 3 * MAX_DELAY]]);
  });

  it('lists the planned poll entries', () => {
    const { clock, scheduler } = harness();
    const a = entry('a');
    const b = entry('b');
    scheduler.schedulePoll(a, clock.monotonicNow() + 1);
    scheduler.schedulePoll(b, clock.monotonicNow() + 2);
    expect(new Set(scheduler.polls())).toEqual(new Set([a, b]));
  });
});
