import { Injectable } from '@nestjs/common';
import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EventBus } from '../events/event-bus';
import { ConflationWindow } from '../market/conflation';
import { MarketDataService } from '../market/market-data.service';
import { nowMicros } from '../market/quote';
import type { Quote } from '../market/quote';
import { Telemetry } from '../metrics/telemetry';
import type { Connection, Subscription } from './connection';
import { StreamStats } from './stream-stats';
import { RateGroups } from './rate-groups';
import { removeFrom, setOf } from './set-map';
import { tickBytes, tickMessage } from './market-messages';
import { FrameEncoder } from './wire/outbound';
import type { OutboundMessage } from './wire/outbound';

/** All subscriptions sharing one throttled rate, flushed together on one timer. */
class RateGroup {
  window = new ConflationWindow();
  readonly bySymbol = new Map<string, Set<Subscription>>();
}

/**
 * Delivers published ticks to subscriptions. Unthrottled subscriptions get every tick as
 * it is published; throttled ones are grouped by rate and get, once per period of their group's timer,
 * the newest state of each changed symbol. Each tick or conflated update is encoded and
 * framed once and the same bytes are written to every subscriber.
 */
@Injectable()
export class FanoutService implements OnModuleInit, OnModuleDestroy {
  private readonly everyUpdate = new Map<string, Set<Subscription>>();
  private readonly groups = new RateGroups(() => new RateGroup(), (group) => this.flush(group));
  private unsubscribeEvents?: () => void;

  constructor(
    private readonly events: EventBus,
    private readonly market: MarketDataService,
    private readonly encoder: FrameEncoder,
    private readonly stats: StreamStats,
    private readonly telemetry: Telemetry,
  ) {}

  onModuleInit(): void {
    this.unsubscribeEvents = this.events.on('tick.published', (quote) => this.onTick(quote));
  }

  onModuleDestroy(): void {
    this.unsubscribeEvents?.();
    this.groups.clear();
  }

  /** Starts delivery at `subscription.effectiveRate`, after `subscription.lastSentSeq`. */
  attach(subscription: Subscription): void {
    const { symbol, effectiveRate } = subscription;
    if (effectiveRate === 0) {
      setOf(this.everyUpdate, symbol).add(subscription);
      return;
    }
    const group = this.groups.of(effectiveRate);
    group.window.track(symbol, this.market.latest(symbol)?.seq ?? 0);
    setOf(group.bySymbol, symbol).add(subscription);
  }

  detach(subscription: Subscription): void {
    const { symbol, effectiveRate } = subscription;
    if (effectiveRate === 0) {
      removeFrom(this.everyUpdate, symbol, subscription);
      return;
    }
    const group = this.groups.get(effectiveRate);
    if (!group) return;
    if (removeFrom(group.bySymbol, symbol, subscription)) group.window.untrack(symbol);
    if (group.bySymbol.size === 0) {
      this.groups.delete(effectiveRate);
    }
  }

  /**
   * Moves a live subscription to another rate. The subscriber is first brought to the
   * newest state, so the new group's next range never looks like a gap to it.
   */
  changeRate(subscription: Subscription, rate: number): void {
    if (subscription.effectiveRate === rate) return;
    this.detach(subscription);
    subscription.effectiveRate = rate;
    const latest = this.market.latest(subscription.symbol);
    if (latest && latest.seq > subscription.lastSentSeq) {
      const catchUp = this.encoder.tick(tickMessage(latest, subscription.lastSentSeq + 1));
      this.stats.conflatedUpdates += latest.seq - subscription.lastSentSeq - 1;
      subscription.lastSentSeq = latest.seq;
      subscription.connection.send(catchUp);
    }
    this.attach(subscription);
  }

  /**
   * The market state was replaced (new epoch, or reloaded after an outage): conflation
   * restarts from the current state. Subscribers are re-snapshotted by the caller.
   */
  rebase(): void {
    for (const group of this.groups) {
      group.window = new ConflationWindow();
      for (const symbol of group.bySymbol.keys()) group.window.track(symbol, this.market.latest(symbol)?.seq ?? 0);
    }
  }

  private onTick(quote: Quote): void {
    for (const group of this.groups) group.window.markChanged(quote.symbol);
    const subscribers = this.everyUpdate.get(quote.symbol);
    if (!subscribers) return;
    const message = this.encoder.encodedTick(tickMessage(quote, quote.seq), tickBytes(quote));
    for (const subscription of subscribers) {
      if (subscription.lastSentSeq >= quote.seq) continue;
      subscription.lastSentSeq = quote.seq;
      subscription.connection.send(message);
    }
    this.telemetry.fanoutDelaySeconds.observe(Math.max(0, nowMicros() - quote.timestampUs) / 1e6);
  }

  /**
   * Sends each subscriber of the group the changed symbols' newest state. A connection that
   * can take batches gets them in one TickBatch; connections due the same updates share one
   * batch message, so it is framed (and deflated) once for all of them, not once per client.
   */
  private flush(group: RateGroup): void {
    if (!group.window.hasChanges) return;
    const updates = group.window.drain((symbol) => this.market.latest(symbol));
    const messages: OutboundMessage[] = [];
    const batched = new Map<Connection, number[]>();
    for (const { quote, firstSeq } of updates) {
      const subscribers = group.bySymbol.get(quote.symbol);
      if (!subscribers) continue;
      this.stats.conflatedUpdates += quote.seq - firstSeq;
      const message = this.encoder.tick(tickMessage(quote, firstSeq));
      const index = messages.push(message) - 1;
      for (const subscription of subscribers) {
        if (subscription.lastSentSeq >= quote.seq) continue;
        subscription.lastSentSeq = quote.seq;
        const connection = subscription.connection;
        if (connection.canBatch) {
          const indexes = batched.get(connection);
          if (indexes) indexes.push(index);
          else batched.set(connection, [index]);
        } else {
          connection.send(message);
        }
      }
    }
    const batches = new Map<string, OutboundMessage>();
    for (const [connection, indexes] of batched) {
      if (indexes.length === 1) {
        connection.send(messages[indexes[0]]);
        continue;
      }
      const key = indexes.join(',');
      let batch = batches.get(key);
      if (!batch) batches.set(key, (batch = this.encoder.tickBatch(indexes.map((i) => messages[i]))));
      connection.send(batch);
    }
  }
}
