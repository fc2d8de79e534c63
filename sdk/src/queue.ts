/**
 * An async-iterable queue with a bounded size. When full, `key` decides what is dropped:
 * a newer item with the same key replaces the queued one (conflation: the newest state wins,
 * memory stays bounded); items without a key are never dropped.
 */
export class ConflatingQueue<T> implements AsyncIterable<T> {
  private readonly items: { key: string | null; value: T }[] = [];
  private waiter?: (result: IteratorResult<T>) => void;
  private ended = false;

  constructor(
    private readonly limit: number,
    private readonly merge: (older: T, newer: T) => T = (_older, newer) => newer,
  ) {}

  get size(): number {
    return this.items.length;
  }

  push(value: T, key: string | null = null): void {
    if (this.ended) return;
    if (this.waiter) {
      const resolve = this.waiter;
      this.waiter = undefined;
      resolve({ value, done: false });
      return;
    }
    if (key !== null && this.items.length >= this.limit) {
      const queued = this.items.find((i) => i.key === key);
      if (queued) {
        queued.value = this.merge(queued.value, value);
        return;
      }
    }
    this.items.push({ key, value });
  }

  end(): void {
    this.ended = true;
    this.waiter?.({ value: undefined, done: true });
    this.waiter = undefined;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const item = this.items.shift();
        if (item) return Promise.resolve({ value: item.value, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiter = resolve));
      },
      return: () => {
        this.end();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
