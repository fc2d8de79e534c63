import { Injectable } from '@nestjs/common';
import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EventBus } from '../events/event-bus';
import type { Trade } from '../market/trade';
import type { TradeSubscription } from './connection';
import { tradeMessage } from './market-messages';
import { RateGroups } from './rate-groups';
import { removeFrom, setOf } from './set-map';
import { FrameEncoder } from './wire/outbound';

/** Throttled trade subscriptions of one rate: every trade since the last flush, per symbol. */
class TradeRateGroup {
  readonly pending = new Map<string, Trade[]>();
  readonly bySymbol = new Map<string, Set<TradeSubscription>>();
}

/**
 * Delivers trades. Trades are never conflated: an unthrottled subscription gets each trade as
 * it is sequenced; a throttled one gets, at most `rate` times a second, one TradeBatch with
 * every trade of the symbol since the previous batch. Each Trade and each batch is encoded
 * once and the same bytes go to every subscriber.
 */
@Injectable()
export class TradeFanoutService implements OnModuleInit, OnModuleDestroy {
  private readonly everyTrade = new Map<string, Set<TradeSubscription>>();
  private readonly groups = new RateGroups(() => new TradeRateGroup(), (group) => this.flush(group));
  private unsubscribe?: () => void;

  constructor(
    private readonly events: EventBus,
    private readonly encoder: FrameEncoder,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.on('trade.published', (trade) => this.onTrade(trade));
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
    this.groups.clear();
  }

  /** Starts delivery after `subscription.lastSentSeq`. */
  attach(subscription: TradeSubscription): void {
    if (subscription.rate === 0) {
      setOf(this.everyTrade, subscription.symbol).add(subscription);
      return;
    }
    setOf(this.groups.of(subscription.rate).bySymbol, subscription.symbol).add(subscription);
  }

  detach(subscription: TradeSubscription): void {
    if (subscription.rate === 0) {
      removeFrom(this.everyTrade, subscription.symbol, subscription);
      return;
    }
    const group = this.groups.get(subscription.rate);
    if (!group) return;
    if (removeFrom(group.bySymbol, subscription.symbol, subscription)) group.pending.delete(subscription.symbol);
    if (group.bySymbol.size === 0) this.groups.delete(subscription.rate);
  }

  /**
   * The market state was replaced (new epoch, or reloaded after an outage): the trades still
   * waiting for a flush are of the old epoch, or at or before the last_trade of the snapshot the
   * caller sends, so none of them may follow it.
   */
  rebase(): void {
    for (const group of this.groups) group.pending.clear();
  }

  private onTrade(trade: Trade): void {
    for (const group of this.groups) {
      if (!group.bySymbol.has(trade.symbol)) continue;
      let pending = group.pending.get(trade.symbol);
      if (!pending) group.pending.set(trade.symbol, (pending = []));
      pending.push(trade);
    }
    const subscribers = this.everyTrade.get(trade.symbol);
    if (!subscribers) return;
    const message = this.encoder.message({ trade: tradeMessage(trade) });
    for (const s of subscribers) {
      if (s.lastSentSeq >= trade.seq) continue;
      s.lastSentSeq = trade.seq;
      s.connection.send(message);
    }
  }

  private flush(group: TradeRateGroup): void {
    for (const [symbol, trades] of group.pending) {
      group.pending.delete(symbol);
      const subscribers = group.bySymbol.get(symbol);
      if (!subscribers) continue;
      // Subscribers normally share one batch; one that joined after some of these trades gets its own slice.
      const batches = new Map<number, ReturnType<FrameEncoder['message']>>();
      for (const s of subscribers) {
        const from = trades.findIndex((t) => t.seq > s.lastSentSeq);
        if (from < 0) continue;
        let message = batches.get(from);
        if (!message) batches.set(from, (message = this.encoder.message({ tradeBatch: { trades: trades.slice(from).map(tradeMessage) } })));
        s.lastSentSeq = trades[trades.length - 1].seq;
        s.connection.send(message);
      }
    }
  }
}
