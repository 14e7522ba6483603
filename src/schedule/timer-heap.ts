/** An entry the heap can hold: it records its own due time and position. */
export interface HeapEntry {
  /** When the entry is due, in ms on the scheduler's clock. */
  dueAt: number;
  /** Position in the heap; -1 when not in it. Maintained by the heap only. */
  heapIndex: number;
}

/**
 * A binary min-heap of entries by `dueAt`. Entries carry their index, so
 * removing or rescheduling one is O(log n) with no search and no tombstones:
 * the heap holds exactly the live entries.
 */
export class TimerHeap<T extends HeapEntry> {
  readonly #items: T[] = [];

  get size(): number {
    return this.#items.length;
  }

  /** The earliest entry, without removing it. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** Adds `entry`, or moves it if it is already in the heap. */
  push(entry: T, dueAt: number): void {
    if (entry.heapIndex >= 0) {
      this.#update(entry, dueAt);
      return;
    }
    entry.dueAt = dueAt;
    entry.heapIndex = this.#items.length;
    this.#items.push(entry);
    this.#up(entry.heapIndex);
  }

  /** Removes and returns the earliest entry. */
  pop(): T | undefined {
    const top = this.#items[0];
    if (top !== undefined) this.delete(top);
    return top;
  }

  /** Removes `entry` if it is in the heap; returns whether it was. */
  delete(entry: T): boolean {
    const index = entry.heapIndex;
    if (index < 0 || this.#items[index] !== entry) return false;
    const last = this.#items.pop()!;
    entry.heapIndex = -1;
    if (last !== entry) {
      this.#place(last, index);
      this.#down(index);
      this.#up(last.heapIndex);
    }
    return true;
  }

  has(entry: T): boolean {
    return entry.heapIndex >= 0 && this.#items[entry.heapIndex] === entry;
  }

  /** Every entry, in heap (not time) order. */
  values(): IterableIterator<T> {
    return this.#items.values();
  }

  #update(entry: T, dueAt: number): void {
    const earlier = dueAt < entry.dueAt;
    entry.dueAt = dueAt;
    if (earlier) this.#up(entry.heapIndex);
    else this.#down(entry.heapIndex);
  }

  #up(index: number): void {
    const items = this.#items;
    const entry = items[index]!;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = items[parentIndex]!;
      if (parent.dueAt <= entry.dueAt) break;
      this.#place(parent, index);
      index = parentIndex;
    }
    this.#place(entry, index);
  }

  #down(index: number): void {
    const items = this.#items;
    const length = items.length;
    const entry = items[index]!;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && items[right]!.dueAt < items[left]!.dueAt ? right : left;
      if (items[child]!.dueAt >= entry.dueAt) break;
      this.#place(items[child]!, index);
      index = child;
    }
    this.#place(entry, index);
  }

  #place(entry: T, index: number): void {
    this.#items[index] = entry;
    entry.heapIndex = index;
  }
}
