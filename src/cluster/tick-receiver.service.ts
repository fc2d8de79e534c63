import { Logger } from '@nestjs/common';
import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { EventBus, FeedHealth } from '../events/event-bus';
import { pb } from '../gateway/wire/messages';
import type { MarketDataService } from '../market/market-data.service';
import type { RedisService } from './redis.service';
import { decodeTickMessage, quoteOf, tradeOf } from './tick-channel';

const CHECK_MS = 250;

/**
 * Gateway side of the tick channel: fills this process's market replica with the ticks the
 * feed sequenced, and loads the shared latest state on start and after every Redis outage (a
 * gateway that starts late or missed ticks serves a correct snapshot). Watches the feed: Redis
 * unreachable, or no message from the feed for FEED_STALE_AFTER_MS, makes the feed stale.
 */
export class TickReceiverService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(TickReceiverService.name);
  private lastFeedMessageAt = 0;
  private health: FeedHealth = { state: 'stale', reason: 'waiting for the feed' };
  private leading = false;
  private timer?: NodeJS.Timeout;
  private off?: () => void;
  private syncing = false;
  private recovering = false;
  /** Messages on the tick channel that could not be decoded (never delivered). */
  malformedMessages = 0;

  constructor(
    private readonly redis: RedisService,
    private readonly market: MarketDataService,
    private readonly events: EventBus,
    private readonly staleAfterMs: number,
  ) {}

  get feedHealth(): FeedHealth {
    return this.health;
  }

  onModuleInit(): void {
    this.off = this.events.on('feed.leadership', ({ active }) => (this.leading = active));
    this.redis.listen(this.redis.keys.ticksChannel, (message) => this.onMessage(message));
    this.redis.onUp(() => void this.resync());
    this.timer = setInterval(() => this.check(), CHECK_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.off?.();
  }

  private onMessage(data: Buffer): void {
    let message;
    try {
      message = decodeTickMessage(data);
    } catch (error) {
      if (this.malformedMessages++ % 1000 === 0) this.logger.warn(`malformed tick-channel message: ${(error as Error).message}`);
      return;
    }
    this.lastFeedMessageAt = Date.now();
    if (message.origin === this.redis.nodeId) return; // ours: already delivered here
    // Also while a resync reads the shared state: the replica keeps whichever seq is newer.
    for (const quote of message.ticks) this.market.apply(message.epoch, quote);
    for (const trade of message.trades) this.market.applyTrade(message.epoch, trade);
    if (this.health.state === 'stale') this.check();
  }

  /** Reads the epoch and every symbol's newest tick in one transaction, then replaces the replica. */
  private async resync(): Promise<void> {
    if (this.leading || this.syncing) return;
    this.syncing = true;
    try {
      const { command, keys } = this.redis;
      const [[, epoch], [, latest], [, trades]] = (await command.multi().get(keys.epoch).hgetallBuffer(keys.latest).hgetallBuffer(keys.latestTrades).exec()) as [
        [Error | null, string | null],
        [Error | null, Record<string, Buffer>],
        [Error | null, Record<string, Buffer>],
      ];
      if (epoch) {
        this.market.load(
          epoch,
          Object.values(latest ?? {}).map((bytes) => quoteOf(pb.Tick.decode(bytes), bytes)),
          Object.values(trades ?? {}).map((bytes) => tradeOf(pb.Trade.decode(bytes))),
        );
      }
    } catch (error) {
      this.logger.warn(`could not load the shared market state: ${(error as Error).message}`);
    } finally {
      this.syncing = false;
    }
  }

  private check(): void {
    const next: FeedHealth = this.leading
      ? { state: 'live' }
      : !this.redis.up
        ? { state: 'stale', reason: 'the feed tier (Redis) is unreachable' }
        : Date.now() - this.lastFeedMessageAt > this.staleAfterMs
          ? { state: 'stale', reason: 'no data from the feed' }
          : { state: 'live' };
    if (next.state === this.health.state) return;
    if (next.state === 'live') {
      // Back: replace what may have been missed first, then say so.
      if (this.recovering) return;
      this.recovering = true;
      void this.resync().then(() => {
        this.recovering = false;
        this.setHealth(next);
      });
      return;
    }
    this.setHealth(next);
  }

  private setHealth(health: FeedHealth): void {
    if (health.state === this.health.state) return;
    this.health = health;
    this.logger.log(health.state === 'live' ? 'feed live' : `feed stale: ${health.reason}`);
    this.events.emit('market.feed.health', health);
  }
}
