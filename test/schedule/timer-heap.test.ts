import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimerHeap, type HeapEntry } from '../../src/schedule/timer-heap.js';

interface Entry extends HeapEntry {
  readonly name: number;
}

function entry(name: number): Entry {
  return { name, heapSlot: -1 };
}

/** Pops everything, returning the due times in pop order. */
function drain(heap: TimerHeap<Entry>): number[] {
  const out: number[] = [];
  while (heap.size > 0) {
    out.push(heap.peekKey());
    heap.pop();
  }
  return out;
}

describe('TimerHeap', () => {
  it('pops entries in due-time order', () => {
    const heap = new TimerHeap<Entry>();
    [50, 10, 40, 30, 20].forEach((due, name) => heap.push(entry(name), due));

    expect(heap.size).toBe(5);
    expect(heap.peekKey()).toBe(10);
    expect(heap.keyOf(heap.peek()!)).toBe(10);
    expect(drain(heap)).toEqual([10, 20, 30, 40, 50]);
    expect(heap.pop()).toBeUndefined();
  });

  it('moves an entry pushed again instead of adding it twice', () => {
    const heap = new TimerHeap<Entry>();
    const a = entry(1);
    const b = entry(2);
    heap.push(a, 10);
    heap.push(b, 20);
    heap.push(a, 30);

    expect(heap.size).toBe(2);
    expect(heap.peek()).toBe(b);
    heap.push(a, 5);
    expect(heap.peek()).toBe(a);
    expect(drain(heap)).toEqual([5, 20]);
  });

  it('deletes any entry in O(log n) by its own index, and reports whether it was there', () => {
    const heap = new TimerHeap<Entry>();
    const entries = [5, 3, 8, 1, 9, 2].map((due, name) => {
      const e = entry(name);
      heap.push(e, due);
      return e;
    });

    expect(heap.delete(entries[2]!)).toBe(true);
    expect(heap.delete(entries[2]!)).toBe(false);
    expect(entries[2]!.heapSlot).toBe(-1);
    expect(heap.has(entries[2]!)).toBe(false);
    expect(heap.has(entries[0]!)).toBe(true);
    expect(drain(heap)).toEqual([1, 2, 3, 5, 9]);
  });

  it('does not delete an entry that belongs to another heap at the same index', () => {
    const one = new TimerHeap<Entry>();
    const other = new TimerHeap<Entry>();
    const a = entry(1);
    const b = entry(2);
    one.push(a, 1);
    other.push(b, 1);

    expect(one.delete(b)).toBe(false);
    expect(one.size).toBe(1);
    expect(other.has(b)).toBe(true);
  });

  it('matches a sorted-array model under random push / update / delete / pop (property)', () => {
    type Op = { kind: 'push'; name: number; due: number } | { kind: 'delete'; name: number } | { kind: 'pop' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('push' as const), name: fc.integer({ min: 0, max: 30 }), due: fc.integer({ min: 0, max: 1_000 }) }),
      fc.record({ kind: fc.constant('delete' as const), name: fc.integer({ min: 0, max: 30 }) }),
      fc.record({ kind: fc.constant('pop' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const heap = new TimerHeap<Entry>();
        const entries = new Map<number, Entry>();
        const model = new Map<number, number>();
        const get = (name: number): Entry => entries.get(name) ?? entries.set(name, entry(name)).get(name)!;
        for (const step of ops) {
          if (step.kind === 'push') {
            heap.push(get(step.name), step.due);
            model.set(step.name, step.due);
          } else if (step.kind === 'delete') {
            expect(heap.delete(get(step.name))).toBe(model.delete(step.name));
          } else {
            const key = heap.peekKey();
            const popped = heap.pop();
            const min = [...model.values()].reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
            if (model.size === 0) expect(popped).toBeUndefined();
            else {
              expect(key).toBe(min);
              expect(heap.keyOf(popped!)).toBeNaN();
              expect(model.get(popped!.name)).toBe(min);
              model.delete(popped!.name);
              expect(popped!.heapSlot).toBe(-1);
            }
          }
          expect(heap.size).toBe(model.size);
          expect(heap.peekKey()).toBe([...model.values()].reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY));
          // Every entry in the heap has a slot of its own; entries outside it say -1.
          for (const [name, e] of entries) {
            expect(heap.has(e)).toBe(model.has(name));
            if (!model.has(name)) expect(e.heapSlot).toBe(-1);
          }
          const slots = [...heap.values()].map((e) => e.heapSlot);
          expect(new Set(slots).size).toBe(slots.length);
        }
        expect(drain(heap)).toEqual([...model.values()].sort((a, b) => a - b));
      }),
      { numRuns: 300 },
    );
  });
});
