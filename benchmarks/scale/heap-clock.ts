import { setImmediate as realImmediate } from 'node:timers/promises';
import type { Clock, TimerHandle } from '../lib/library.js';

interface Timer {
  readonly at: number;
  readonly seq: number;
  callback: (() => void) | undefined;
}

/**
 * A lean virtual clock for a million timers: a binary heap, lazy cancel, and
 * a runner that fires due timers in order, yielding to the real event loop
 * once per `slice` of virtual time so promise chains settle. Cheaper per
 * pending timer than Node's own `Timeout` objects, so the naive per-job loop
 * is measured at its best, not penalised by the harness (fake-timers keeps a
 * map entry plus a heap slot per timer and yields a real 1 ms timeout per fire).
 */
export class HeapClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #heap: Timer[] = [];
  readonly random: () => number;

  constructor(start: number, random: () => number) {
    this.#now = start;
    this.random = random;
  }

  now(): number {
    return this.#now;
  }

  monotonicNow(): number {
    return this.#now;
  }

  wallNow(): number {
    return this.#now;
  }

  get pending(): number {
    return this.#heap.length;
  }

  setTimeout(callback: () => void, delay: number): TimerHandle {
    const timer: Timer = { at: this.#now + Math.max(0, delay), seq: this.#seq++, callback };
    this.#push(timer);
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    if (handle !== undefined && handle !== null) (handle as Timer).callback = undefined;
  }

  /** Fires every timer due up to `until`, in order; yields to the real loop after each `slice` ms of virtual time. */
  async runUntil(until: number, slice = 20): Promise<void> {
    await realImmediate();
    for (;;) {
      const first = this.#heap[0];
      if (first === undefined || first.at > until) break;
      const sliceEnd = Math.min(until, first.at + slice);
      for (let timer = this.#heap[0]; timer !== undefined && timer.at <= sliceEnd; timer = this.#heap[0]) {
        this.#pop();
        if (timer.callback === undefined) continue;
        this.#now = Math.max(this.#now, timer.at);
        const callback = timer.callback;
        timer.callback = undefined;
        callback();
      }
      await realImmediate();
    }
    this.#now = Math.max(this.#now, until);
    await realImmediate();
  }

  #push(timer: Timer): void {
    const heap = this.#heap;
    let index = heap.length;
    heap.push(timer);
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(timer, heap[parent]!)) break;
      heap[index] = heap[parent]!;
      index = parent;
    }
    heap[index] = timer;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right]!, heap[left]!) ? right : left;
      if (!before(heap[child]!, last)) break;
      heap[index] = heap[child]!;
      index = child;
    }
    heap[index] = last;
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
