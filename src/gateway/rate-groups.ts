/**
 * Throttled subscriptions grouped by their rate: one group and one interval timer per rate,
 * shared by every subscription at that rate, so a flush builds each update once for all of
 * them. Flushes come `rate` times a second on average, but not always a full period apart:
 * Node schedules timers on a whole-millisecond loop clock, so one can fire up to about 1 ms
 * early (332.4 ms instead of 333.3 at rate 3).
 */
export class RateGroups<G> {
  private readonly byRate = new Map<number, { group: G; timer: NodeJS.Timeout }>();

  constructor(
    private readonly create: () => G,
    private readonly flush: (group: G) => void,
  ) {}

  /** The group of `rate`, created (with its timer) when missing. */
  of(rate: number): G {
    let entry = this.byRate.get(rate);
    if (!entry) {
      const group = this.create();
      const timer = setInterval(() => this.flush(group), 1000 / rate);
      timer.unref();
      this.byRate.set(rate, (entry = { group, timer }));
    }
    return entry.group;
  }

  get(rate: number): G | undefined {
    return this.byRate.get(rate)?.group;
  }

  /** Drops the group of `rate` and stops its timer. */
  delete(rate: number): void {
    clearInterval(this.byRate.get(rate)?.timer);
    this.byRate.delete(rate);
  }

  *[Symbol.iterator](): IterableIterator<G> {
    for (const { group } of this.byRate.values()) yield group;
  }

  clear(): void {
    for (const { timer } of this.byRate.values()) clearInterval(timer);
    this.byRate.clear();
  }
}
