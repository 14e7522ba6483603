/** An entry the heap can hold: it records the slot the heap gave it (its due time lives in the heap only). */
export interface HeapEntry {
  /** The entry's slot in the heap that holds it; -1 when in none. Maintained by the heap only. */
  heapSlot: number;
}

/** Children per node: a 4-ary heap is half as deep as a binary one, and its four keys share a cache line. */
const ARITY = 4;

/**
 * A min-heap of entries by `dueAt`. Removing or rescheduling an entry is
 * O(log n) with no search and no tombstones. Sifting touches typed arrays only
 * — keys, slot ids, and positions by slot — never the entry objects, so at a
 * million entries each level costs a read of one cache line of keys and a write
 * into compact arrays, not a miss on an object somewhere in a 400 MB heap.
 */
export class TimerHeap<T extends HeapEntry> {
  /** Entries by heap index (only read to return them). */
  readonly #items: T[] = [];
  /** Due time by heap index. */
  #keys = new Float64Array(64);
  /** Slot id by heap index. */
  #slots = new Int32Array(64);
  /** Heap index by slot id; -1 for a free slot. */
  #positions = new Int32Array(64).fill(-1);
  /** Slot ids given back, reused first so the slot space stays as large as the largest heap. */
  readonly #free: number[] = [];
  #nextSlot = 0;

  get size(): number {
    return this.#items.length;
  }

  /** The earliest entry, without removing it. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** The earliest due time; `Infinity` when empty. */
  peekKey(): number {
    return this.#items.length === 0 ? Number.POSITIVE_INFINITY : this.#keys[0]!;
  }

  /** When `entry` is due, in ms; NaN when it is not in the heap. */
  keyOf(entry: T): number {
    return this.has(entry) ? this.#keys[this.#positions[entry.heapSlot]!]! : Number.NaN;
  }

  /** Adds `entry`, or moves it if it is already in the heap. */
  push(entry: T, dueAt: number): void {
    if (this.has(entry)) {
      const index = this.#positions[entry.heapSlot]!;
      const later = dueAt > this.#keys[index]!;
      this.#keys[index] = dueAt;
      if (later) this.#down(index);
      else this.#up(index);
      return;
    }
    const index = this.#items.length;
    if (index === this.#keys.length) this.#growItems();
    const slot = this.#free.pop() ?? this.#newSlot();
    entry.heapSlot = slot;
    this.#items.push(entry);
    this.#keys[index] = dueAt;
    this.#slots[index] = slot;
    this.#positions[slot] = index;
    this.#up(index);
  }

  /** Removes and returns the earliest entry. */
  pop(): T | undefined {
    const top = this.#items[0];
    if (top !== undefined) this.#removeAt(0);
    return top;
  }

  /** Removes `entry` if it is in the heap; returns whether it was. */
  delete(entry: T): boolean {
    if (!this.has(entry)) return false;
    this.#removeAt(this.#positions[entry.heapSlot]!);
    return true;
  }

  has(entry: T): boolean {
    const slot = entry.heapSlot;
    if (slot < 0 || slot >= this.#nextSlot) return false;
    const index = this.#positions[slot]!;
    return index >= 0 && this.#items[index] === entry;
  }

  /** Removes every entry. */
  clear(): void {
    for (const entry of this.#items) entry.heapSlot = -1;
    this.#items.length = 0;
    this.#positions.fill(-1);
    this.#free.length = 0;
    this.#nextSlot = 0;
  }

  /** Every entry, in heap (not time) order. */
  values(): IterableIterator<T> {
    return this.#items.values();
  }

  #removeAt(index: number): void {
    const items = this.#items;
    const entry = items[index]!;
    const slot = this.#slots[index]!;
    entry.heapSlot = -1;
    this.#positions[slot] = -1;
    this.#free.push(slot);
    const lastIndex = items.length - 1;
    const last = items.pop()!;
    if (index === lastIndex) return;
    const moved = this.#slots[lastIndex]!;
    items[index] = last;
    this.#keys[index] = this.#keys[lastIndex]!;
    this.#slots[index] = moved;
    this.#positions[moved] = index;
    this.#down(index);
    this.#up(this.#positions[moved]);
  }

  #up(start: number): void {
    const items = this.#items;
    const keys = this.#keys;
    const slots = this.#slots;
    const positions = this.#positions;
    const entry = items[start]!;
    const key = keys[start]!;
    const slot = slots[start]!;
    let index = start;
    while (index > 0) {
      const parent = ((index - 1) / ARITY) | 0;
      if (keys[parent]! <= key) break;
      items[index] = items[parent]!;
      keys[index] = keys[parent]!;
      slots[index] = slots[parent]!;
      positions[slots[index]!] = index;
      index = parent;
    }
    items[index] = entry;
    keys[index] = key;
    slots[index] = slot;
    positions[slot] = index;
  }

  #down(start: number): void {
    const items = this.#items;
    const keys = this.#keys;
    const slots = this.#slots;
    const positions = this.#positions;
    const length = items.length;
    const entry = items[start]!;
    const key = keys[start]!;
    const slot = slots[start]!;
    let index = start;
    for (;;) {
      const first = ARITY * index + 1;
      if (first >= length) break;
      let child = first;
      const end = Math.min(first + ARITY, length);
      for (let other = first + 1; other < end; other++) if (keys[other]! < keys[child]!) child = other;
      if (keys[child]! >= key) break;
      items[index] = items[child]!;
      keys[index] = keys[child]!;
      slots[index] = slots[child]!;
      positions[slots[index]!] = index;
      index = child;
    }
    items[index] = entry;
    keys[index] = key;
    slots[index] = slot;
    positions[slot] = index;
  }

  #newSlot(): number {
    if (this.#nextSlot === this.#positions.length) {
      const positions = new Int32Array(this.#positions.length * 2).fill(-1);
      positions.set(this.#positions);
      this.#positions = positions;
    }
    return this.#nextSlot++;
  }

  #growItems(): void {
    const keys = new Float64Array(this.#keys.length * 2);
    keys.set(this.#keys);
    this.#keys = keys;
    const slots = new Int32Array(this.#slots.length * 2);
    slots.set(this.#slots);
    this.#slots = slots;
  }
}
