interface Waiting<T, R> {
  item: T;
  key: string;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

export interface GroupCommitOptions<T> {
  /** Most items in one batch. */
  maxBatch: number;
  /** Most batches running at once. */
  maxInFlight: number;
  /** Items with the same key are never in two running batches (on the bid path: the auction). */
  keyOf: (item: T) => string;
}

/** What a running batch tells the queue. */
export interface BatchControl {
  /**
   * The batch has done the part the next one must not overlap (on the bid path: it holds its
   * row locks and has sent its write): with room in flight, the next batch may start now.
   */
  handOff(): void;
}

/**
 * Group commit: items submitted while a batch runs wait and form the next batch. A second
 * batch (up to `maxInFlight`) starts only once every running one has handed off, so it has
 * gathered during their work instead of starting with one item, and it takes only items whose
 * keys no running batch holds: on the bid path it never waits for another batch's row locks.
 * An item whose key is held waits, in order, for the batch holding it to end.
 */
export class GroupCommitQueue<T, R> {
  private queue: Waiting<T, R>[] = [];
  private inFlight = 0;
  /** Running batches that have not handed off yet. */
  private gathering = 0;
  /** Keys of the running batches' items, with how many running batches hold each. */
  private readonly held = new Map<string, number>();

  constructor(
    private readonly options: GroupCommitOptions<T>,
    private readonly process: (items: T[], control: BatchControl) => Promise<R[]>,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, key: this.options.keyOf(item), resolve, reject });
      this.startBatches();
    });
  }

  /** True when nothing is queued or running. */
  get idle(): boolean {
    return this.inFlight === 0 && this.queue.length === 0;
  }

  private startBatches(): void {
    while (this.inFlight < this.options.maxInFlight && this.gathering === 0 && this.queue.length > 0) {
      const batch = this.take();
      if (batch.length === 0) return; // every queued key is held: the holders' ends start the next
      this.inFlight++;
      this.gathering++;
      for (const { key } of batch) this.held.set(key, (this.held.get(key) ?? 0) + 1);
      void this.run(batch);
    }
  }

  private take(): Waiting<T, R>[] {
    const max = this.options.maxBatch;
    if (this.held.size === 0) return this.queue.splice(0, max);
    const taken: Waiting<T, R>[] = [];
    const left: Waiting<T, R>[] = [];
    for (const waiting of this.queue) {
      if (taken.length < max && !this.held.has(waiting.key)) taken.push(waiting);
      else left.push(waiting);
    }
    this.queue = left;
    return taken;
  }

  /**
   * The next batch starts before this one's results are handed out: their handlers run as
   * microtasks, after whatever the next batch starts synchronously (on the bid path, writing
   * its first statements), so its commit overlaps their work instead of waiting for it.
   */
  private async run(batch: Waiting<T, R>[]): Promise<void> {
    let handedOff = false;
    const control: BatchControl = {
      handOff: () => {
        if (handedOff) return;
        handedOff = true;
        this.gathering--;
        this.startBatches();
      },
    };
    let settle: () => void;
    try {
      const results = await this.process(
        batch.map((b) => b.item),
        control,
      );
      settle = () => batch.forEach((b, i) => b.resolve(results[i]));
    } catch (error) {
      settle = () => batch.forEach((b) => b.reject(error));
    }
    if (!handedOff) {
      handedOff = true;
      this.gathering--;
    }
    this.inFlight--;
    for (const { key } of batch) {
      const left = this.held.get(key)! - 1;
      if (left > 0) this.held.set(key, left);
      else this.held.delete(key);
    }
    this.startBatches();
    settle();
  }
}
