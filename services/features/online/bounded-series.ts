/** Items ordered by a time key, keeping only the newest `capacity`. */
export class BoundedSeries<T> {
  readonly capacity: number;
  #items: T[] = [];
  readonly #timeOf: (item: T) => number;

  constructor(capacity: number, timeOf: (item: T) => number) {
    this.capacity = capacity;
    this.#timeOf = timeOf;
  }

  push(item: T): void {
    this.#items.push(item);
    // Trim in chunks so pushes stay amortised O(1).
    if (this.#items.length > this.capacity * 1.25 + 16) this.#items = this.#items.slice(this.#items.length - this.capacity);
  }

  get length(): number {
    return Math.min(this.#items.length, this.capacity);
  }

  items(): readonly T[] {
    return this.#items.length > this.capacity ? this.#items.slice(this.#items.length - this.capacity) : this.#items;
  }

  oldest(): T | undefined {
    return this.#items[Math.max(0, this.#items.length - this.capacity)];
  }

  latest(): T | undefined {
    return this.#items[this.#items.length - 1];
  }

  /** The newest item with time <= t, or undefined. */
  atOrBefore(t: number): T | undefined {
    let lo = Math.max(0, this.#items.length - this.capacity);
    let hi = this.#items.length - 1;
    let found: T | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const item = this.#items[mid]!;
      if (this.#timeOf(item) <= t) {
        found = item;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }
}
