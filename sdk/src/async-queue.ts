/** When the queue overflows: how items are grouped and merged (the newest state wins). */
export interface Conflation<T> {
  /** Items kept before the queue conflates. */
  limit: number;
  key(item: T): string;
  merge(older: T, newer: T): T;
}

/**
 * A single-consumer async queue: `push` on one side, `for await` on the other.
 *
 * Unbounded without a conflation policy. With one, a push that takes the queue over `limit`
 * collapses it to one item per key (the newest, merged with the older ones at the position of
 * the oldest), so memory stays bounded by max(limit, number of keys) however slow the consumer.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  private items: T[] = [];
  private waiter: { resolve: (result: IteratorResult<T>) => void; reject: (error: Error) => void } | null = null;
  private finished = false;
  private failure: Error | null = null;
  /** Items merged into newer ones since the queue was created. */
  conflated = 0;

  constructor(
    private readonly conflation?: Conflation<T>,
    /** Called once when the consumer stops early (`break` out of `for await`, or `return()`). */
    private readonly onReturn?: () => void,
  ) {}

  get size(): number {
    return this.items.length;
  }

  get done(): boolean {
    return this.finished;
  }

  push(item: T): void {
    if (this.finished) return;
    if (this.waiter) {
      const { resolve } = this.waiter;
      this.waiter = null;
      resolve({ value: item, done: false });
      return;
    }
    this.items.push(item);
    if (this.conflation && this.items.length > this.conflation.limit) this.compact(this.conflation);
  }

  /** Ends the iteration once the buffered items are consumed. */
  end(): void {
    if (this.finished) return;
    this.finished = true;
    this.settleWaiter();
  }

  /** Ends the iteration with an error, thrown to the consumer after the buffered items. */
  fail(error: Error): void {
    if (this.finished) return;
    this.failure = error;
    this.end();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift()!, done: false });
    if (this.failure) {
      const failure = this.failure;
      this.failure = null; // thrown once; afterwards the iterator is simply done
      return Promise.reject(failure);
    }
    if (this.finished) return Promise.resolve({ value: undefined, done: true });
    if (this.waiter) return Promise.reject(new Error('AsyncQueue has a single consumer'));
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    const wasFinished = this.finished;
    this.items = [];
    this.failure = null;
    this.end();
    if (!wasFinished) this.onReturn?.();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private settleWaiter(): void {
    if (!this.waiter) return;
    const waiter = this.waiter;
    this.waiter = null;
    if (this.failure) {
      const failure = this.failure;
      this.failure = null;
      waiter.reject(failure);
    } else {
      waiter.resolve({ value: undefined, done: true });
    }
  }

  private compact(conflation: Conflation<T>): void {
    const at = new Map<string, number>();
    const kept: T[] = [];
    for (const item of this.items) {
      const key = conflation.key(item);
      const index = at.get(key);
      if (index === undefined) {
        at.set(key, kept.length);
        kept.push(item);
      } else {
        kept[index] = conflation.merge(kept[index], item);
        this.conflated++;
      }
    }
    this.items = kept;
  }
}
