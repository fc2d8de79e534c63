import { Injectable } from '@nestjs/common';
import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EventBus } from '../events/event-bus';
import { candleKey } from '../market/candles';
import type { Candle } from '../market/candles';
import type { CandleSubscription } from './connection';
import { candleMessage } from './market-messages';
import { RateGroups } from './rate-groups';
import { removeFrom, setOf } from './set-map';
import { FrameEncoder } from './wire/outbound';

/** Throttled candle subscriptions of one rate: the newest forming state of each changed candle. */
class CandleRateGroup {
  readonly changed = new Map<string, Candle>();
  readonly byKey = new Map<string, Set<CandleSubscription>>();
}

/**
 * Delivers candle updates. A throttled subscription gets the forming candle's newest state at
 * most `rate` times a second (like a conflated quote); every subscription gets a candle's final
 * state (closed) as soon as it closes, never conflated away. Each update is encoded once.
 */
@Injectable()
export class CandleFanoutService implements OnModuleInit, OnModuleDestroy {
  private readonly everyUpdate = new Map<string, Set<CandleSubscription>>();
  private readonly groups = new RateGroups(() => new CandleRateGroup(), (group) => this.flush(group));
  private unsubscribe?: () => void;

  constructor(
    private readonly events: EventBus,
    private readonly encoder: FrameEncoder,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.on('candle.updated', (candle) => this.onCandle(candle));
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
    this.groups.clear();
  }

  attach(subscription: CandleSubscription): void {
    const key = candleKey(subscription.symbol, subscription.interval);
    if (subscription.rate === 0) setOf(this.everyUpdate, key).add(subscription);
    else setOf(this.groups.of(subscription.rate).byKey, key).add(subscription);
  }

  detach(subscription: CandleSubscription): void {
    const key = candleKey(subscription.symbol, subscription.interval);
    if (subscription.rate === 0) {
      removeFrom(this.everyUpdate, key, subscription);
      return;
    }
    const group = this.groups.get(subscription.rate);
    if (!group) return;
    if (removeFrom(group.byKey, key, subscription)) group.changed.delete(key);
    if (group.byKey.size === 0) this.groups.delete(subscription.rate);
  }

  private onCandle(candle: Candle): void {
    const key = candleKey(candle.symbol, candle.interval);
    let message: ReturnType<FrameEncoder['message']> | undefined;
    const send = (subscribers: Set<CandleSubscription>) => {
      message ??= this.encoder.message({ candle: candleMessage(candle) });
      for (const s of subscribers) s.connection.send(message);
    };
    const every = this.everyUpdate.get(key);
    if (every) send(every);
    for (const group of this.groups) {
      const subscribers = group.byKey.get(key);
      if (!subscribers) continue;
      if (candle.closed) {
        // The final state goes out now; a forming state of that bucket still waiting is superseded.
        if (group.changed.get(key)?.startUs === candle.startUs) group.changed.delete(key);
        send(subscribers);
      } else {
        group.changed.set(key, candle);
      }
    }
  }

  private flush(group: CandleRateGroup): void {
    for (const [key, candle] of group.changed) {
      group.changed.delete(key);
      const subscribers = group.byKey.get(key);
      if (!subscribers) continue;
      const message = this.encoder.message({ candle: candleMessage(candle) });
      for (const s of subscribers) s.connection.send(message);
    }
  }
}
