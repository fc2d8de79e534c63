import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EventBus } from '../events/event-bus';
import { nowMicros } from './quote';
import type { Quote, QuoteInput } from './quote';
import type { Trade, TradeInput } from './trade';

/**
 * The latest state of every symbol. On the sequencer (a single process, or the cluster's
 * active feed) this is the one place sequence numbers are assigned: publishing stamps seq and
 * time, keeps the state for snapshots and emits `tick.published`. On a cluster gateway the
 * same state is a replica, filled with ticks sequenced by the feed (`apply`, `load`).
 */
@Injectable()
export class MarketDataService {
  private currentEpoch: string = randomUUID();
  private readonly latestBySymbol = new Map<string, Quote>();
  private readonly lastTradeBySymbol = new Map<string, Trade>();

  constructor(private readonly events: EventBus) {}

  /** Identifies the life of the numbering: a new epoch restarts every symbol's seq at 1. */
  get epoch(): string {
    return this.currentEpoch;
  }

  /** Sequences a quote; stamped now unless the source's own time is given. */
  publish(input: QuoteInput, timestampUs = 0): Quote {
    const previous = this.latestBySymbol.get(input.symbol);
    // Fields named, not spread from the input: every quote then shares one hidden class.
    const { symbol, bidPrice, askPrice, bidSize, askSize, lastPrice } = input;
    const quote: Quote = { symbol, seq: (previous?.seq ?? 0) + 1, bidPrice, askPrice, bidSize, askSize, lastPrice, timestampUs: timestampUs || nowMicros() };
    this.latestBySymbol.set(quote.symbol, quote);
    this.events.emit('tick.published', quote);
    return quote;
  }

  latest(symbol: string): Quote | undefined {
    return this.latestBySymbol.get(symbol);
  }

  /** Sequences a trade in the symbol's trade stream (its own numbering, same epoch). */
  publishTrade(input: TradeInput): Trade {
    const previous = this.lastTradeBySymbol.get(input.symbol);
    const { symbol, tradeId, price, size, side } = input;
    const trade: Trade = { symbol, seq: (previous?.seq ?? 0) + 1, tradeId, price, size, side, timestampUs: input.timestampUs || nowMicros() };
    this.lastTradeBySymbol.set(trade.symbol, trade);
    this.events.emit('trade.published', trade);
    return trade;
  }

  lastTrade(symbol: string): Trade | undefined {
    return this.lastTradeBySymbol.get(symbol);
  }

  /** Replica: a trade sequenced elsewhere; older or repeated ones are ignored. */
  applyTrade(epoch: string, trade: Trade): void {
    if (epoch !== this.currentEpoch) {
      if (!supersedes(epoch, this.currentEpoch)) return;
      this.load(epoch, []);
    }
    const previous = this.lastTradeBySymbol.get(trade.symbol);
    if (previous && previous.seq >= trade.seq) return;
    this.lastTradeBySymbol.set(trade.symbol, trade);
    this.events.emit('trade.published', trade);
  }

  /** An instrument left the catalogue: its state goes with it. */
  forget(symbol: string): void {
    this.latestBySymbol.delete(symbol);
    this.lastTradeBySymbol.delete(symbol);
  }

  /** Sequencer: starts a new numbering (a feed took over). Every symbol starts again at seq 1. */
  startEpoch(epoch: string): void {
    this.latestBySymbol.clear();
    this.lastTradeBySymbol.clear();
    this.currentEpoch = epoch;
    this.events.emit('market.resynced', { epoch, epochChanged: true });
  }

  /** Replica: a tick sequenced elsewhere. Older or repeated ticks, and ticks of a superseded epoch, are ignored. */
  apply(epoch: string, quote: Quote): void {
    if (epoch !== this.currentEpoch) {
      if (!supersedes(epoch, this.currentEpoch)) return;
      this.load(epoch, []);
    }
    const previous = this.latestBySymbol.get(quote.symbol);
    if (previous && previous.seq >= quote.seq) return;
    this.latestBySymbol.set(quote.symbol, quote);
    this.events.emit('tick.published', quote);
  }

  /**
   * Replica: the shared latest state, read after a start or an outage. Newer states replace
   * ours without being emitted as ticks (updates in between were missed); subscribers are
   * told to take a fresh snapshot instead.
   */
  load(epoch: string, quotes: readonly Quote[], trades: readonly Trade[] = []): void {
    const epochChanged = epoch !== this.currentEpoch;
    if (epochChanged && !supersedes(epoch, this.currentEpoch)) return;
    if (epochChanged) {
      this.latestBySymbol.clear();
      this.lastTradeBySymbol.clear();
      this.currentEpoch = epoch;
    }
    for (const quote of quotes) {
      const previous = this.latestBySymbol.get(quote.symbol);
      if (!previous || previous.seq < quote.seq) this.latestBySymbol.set(quote.symbol, quote);
    }
    for (const trade of trades) {
      const previous = this.lastTradeBySymbol.get(trade.symbol);
      if (!previous || previous.seq < trade.seq) this.lastTradeBySymbol.set(trade.symbol, trade);
    }
    this.events.emit('market.resynced', { epoch, epochChanged });
  }
}

/**
 * A cluster feed names its epoch `<ms since 1970 at takeover>.<uuid>` (see FeedLeaseService):
 * a later takeover has a larger prefix, so a replica never goes back to the numbering of a feed
 * that lost its lease but still published once more. Epochs without that form (a single
 * process's, or a replica's before it heard from any feed) are superseded by any epoch.
 */
export function supersedes(candidate: string, current: string): boolean {
  const generation = (epoch: string) => {
    const match = /^(\d{13})\./.exec(epoch);
    return match ? Number(match[1]) : -1;
  };
  return generation(candidate) >= generation(current);
}

export function clusterEpoch(takeoverAtMs: number, id: string): string {
  return `${takeoverAtMs}.${id}`;
}
