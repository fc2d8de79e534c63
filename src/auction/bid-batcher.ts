interface Waiting<T, R> {
  item: T;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

interface Queue<T, R> {
  items: Waiting<T, R>[];
  inFlight: number;
}

/**
 * Group commit for one key: items submitted while batches are being committed wait and form
 * the next batch. At most `maxInFlight` batches per key run at once; with more than one, the
 * process callback itself keeps whatever order matters (the bid path orders its row locks and
 * its answers by batch). A hot key pays one commit per batch, not per item.
 */
export class KeyedBatcher<K, T, R> {
  private readonly queues = new Map<K, Queue<T, R>>();

  constructor(
    private readonly maxBatch: number,
    private readonly process: (key: K, items: T[]) => Promise<R[]>,
    private readonly maxInFlight = 1,
  ) {}

  submit(key: K, item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      let queue = this.queues.get(key);
      if (!queue) this.queues.set(key, (queue = { items: [], inFlight: 0 }));
      queue.items.push({ item, resolve, reject });
      this.startBatches(key, queue);
    });
  }

  /** Keys with items queued or being committed. */
  get busyKeys(): number {
    return this.queues.size;
  }

  isIdle(key: K): boolean {
    return !this.queues.has(key);
  }

  private startBatches(key: K, queue: Queue<T, R>): void {
    while (queue.inFlight < this.maxInFlight && queue.items.length > 0) {
      const batch = queue.items.splice(0, this.maxBatch);
      queue.inFlight++;
      void this.run(key, queue, batch);
    }
  }

  /**
   * The next batch starts before this one's results are handed out: their handlers run as
   * microtasks, after whatever the next batch starts synchronously (on the bid path, writing
   * its first statements), so its commit overlaps their work instead of waiting for it.
   */
  private async run(key: K, queue: Queue<T, R>, batch: Waiting<T, R>[]): Promise<void> {
    let settle: () => void;
    try {
      const results = await this.process(key, batch.map((b) => b.item));
      settle = () => batch.forEach((b, i) => b.resolve(results[i]));
    } catch (error) {
      settle = () => batch.forEach((b) => b.reject(error));
    }
    queue.inFlight--;
    if (queue.items.length > 0) this.startBatches(key, queue);
    else if (queue.inFlight === 0) this.queues.delete(key);
    settle();
  }
}
