import type { Quote } from './quote';

export interface ConflatedQuote {
  quote: Quote;
  /** First sequence number this update stands for; `quote.seq - firstSeq` updates were skipped. */
  firstSeq: number;
}

/**
 * Conflation for one update rate: remembers which symbols changed since the last flush
 * and what was last emitted, so each flush emits only the newest state of each changed
 * symbol and says which range of updates it covers. Shared by every subscription at that
 * rate, so a conflated update is built once, not once per subscriber.
 */
export class ConflationWindow {
  private readonly dirty = new Set<string>();
  private readonly lastEmittedSeq = new Map<string, number>();

  /** Starts conflating a symbol; its next emission covers updates after `currentSeq`. */
  track(symbol: string, currentSeq: number): void {
    if (!this.lastEmittedSeq.has(symbol)) this.lastEmittedSeq.set(symbol, currentSeq);
  }

  untrack(symbol: string): void {
    this.lastEmittedSeq.delete(symbol);
    this.dirty.delete(symbol);
  }

  isTracking(symbol: string): boolean {
    return this.lastEmittedSeq.has(symbol);
  }

  markChanged(symbol: string): void {
    if (!this.lastEmittedSeq.has(symbol)) return;
    // Moved to the end, so a drain lists symbols in the order of their newest ticks (TickBatch order).
    this.dirty.delete(symbol);
    this.dirty.add(symbol);
  }

  get hasChanges(): boolean {
    return this.dirty.size > 0;
  }

  /** The newest state of every symbol changed since the last drain, in the order of those newest states. */
  drain(latest: (symbol: string) => Quote | undefined): ConflatedQuote[] {
    const out: ConflatedQuote[] = [];
    for (const symbol of this.dirty) {
      const quote = latest(symbol);
      const last = this.lastEmittedSeq.get(symbol);
      if (!quote || last === undefined || quote.seq <= last) continue;
      out.push({ quote, firstSeq: last + 1 });
      this.lastEmittedSeq.set(symbol, quote.seq);
    }
    this.dirty.clear();
    return out;
  }
}
