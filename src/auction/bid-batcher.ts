/**
 * Group commit for one key: items submitted while a batch is being committed wait and
 * form the next batch. One batch per key is in flight at a time, so bids of one auction
 * are decided in arrival order, and a hot auction pays one commit per batch, not per bid.
 */
export class KeyedBatcher<K, T, R> {
  private readonly queues = new Map<K, { items: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] }>();

  constructor(
    private readonly maxBatch: number,
    private readonly process: (key: K, items: T[]) => Promise<R[]>,
  ) {}

  submit(key: K, item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      let queue = this.queues.get(key);
      if (queue) {
        queue.items.push({ item, resolve, reject });
        return;
      }
      queue = { items: [{ item, resolve, reject }] };
      this.queues.set(key, queue);
      void this.drain(key, queue);
    });
  }

  /** Keys with bids queued or being committed. */
  get busyKeys(): number {
    return this.queues.size;
  }

  isIdle(key: K): boolean {
    return !this.queues.has(key);
  }

  private async drain(key: K, queue: { items: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] }) {
    while (queue.items.length > 0) {
      const batch = queue.items.splice(0, this.maxBatch);
      try {
        const results = await this.process(key, batch.map((b) => b.item));
        batch.forEach((b, i) => b.resolve(results[i]));
      } catch (error) {
        batch.forEach((b) => b.reject(error));
      }
    }
    this.queues.delete(key);
  }
}
