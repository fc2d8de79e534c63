import { Logger } from '@nestjs/common';
import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { EventBus } from '../events/event-bus';
import type { MarketDataService } from '../market/market-data.service';
import type { Quote } from '../market/quote';
import type { RedisService } from './redis.service';
import type { Trade } from '../market/trade';
import { tickBytes } from '../gateway/market-messages';
import { encodeTickMessage, encodeTrade } from './tick-channel';

const HEARTBEAT_MS = 500;

/**
 * Feed side of the tick channel: while this process is the active feed, every tick it
 * sequences in one burst (one synchronous pass of a source, flushed on the next tick of the
 * event loop, so no latency is added) leaves in one Redis transaction that stores the newest
 * state of each symbol (for snapshots on any gateway) and publishes the burst's ticks.
 * A quiet feed publishes an empty batch every 500 ms so gateways can tell it is alive.
 */
export class FeedPublisherService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(FeedPublisherService.name);
  private active = false;
  private pending: Uint8Array[] = [];
  private newest = new Map<string, Uint8Array>();
  private pendingTrades: Uint8Array[] = [];
  private lastTrades = new Map<string, Uint8Array>();
  private flushScheduled = false;
  private lastPublishAt = 0;
  private heartbeat?: NodeJS.Timeout;
  private readonly unsubscribers: (() => void)[] = [];
  /** Publishes Redis refused (unreachable); the ticks were dropped, gateways resnapshot. */
  failedPublishes = 0;
  publishedBatches = 0;

  constructor(
    private readonly redis: RedisService,
    private readonly market: MarketDataService,
    private readonly events: EventBus,
  ) {}

  onModuleInit(): void {
    this.unsubscribers.push(
      this.events.on('feed.leadership', ({ active }) => (this.active = active)),
      this.events.on('tick.published', (quote) => this.onTick(quote)),
      this.events.on('trade.published', (trade) => this.onTrade(trade)),
    );
    this.heartbeat = setInterval(() => {
      if (this.active && Date.now() - this.lastPublishAt >= HEARTBEAT_MS) this.flush();
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.heartbeat);
    this.unsubscribers.forEach((off) => off());
  }

  private onTick(quote: Quote): void {
    // Only ticks sequenced here: on a process that is feed and gateway, received ticks also pass by.
    if (!this.active || quote.wire) return;
    const bytes = tickBytes(quote); // encoded once: the fan-out here sends the same bytes
    this.pending.push(bytes);
    this.newest.set(quote.symbol, bytes);
    this.scheduleFlush();
  }

  private onTrade(trade: Trade): void {
    if (!this.active) return; // a replica's trades come from the channel
    const bytes = encodeTrade(trade);
    this.pendingTrades.push(bytes);
    this.lastTrades.set(trade.symbol, bytes);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const ticks = this.pending;
    const newest = this.newest;
    const trades = this.pendingTrades;
    const lastTrades = this.lastTrades;
    this.pending = [];
    this.newest = new Map();
    this.pendingTrades = [];
    this.lastTrades = new Map();
    this.lastPublishAt = Date.now();
    const { command, keys, nodeId } = this.redis;
    const message = encodeTickMessage(nodeId, this.market.epoch, ticks, trades);
    const tx = command.multi();
    if (newest.size > 0) tx.hset(keys.latest, ...[...newest].flatMap(([symbol, bytes]) => [symbol, Buffer.from(bytes)]));
    if (lastTrades.size > 0) tx.hset(keys.latestTrades, ...[...lastTrades].flatMap(([symbol, bytes]) => [symbol, Buffer.from(bytes)]));
    tx.publish(keys.ticksChannel, message);
    tx.exec().then(
      () => this.publishedBatches++,
      (error: Error) => {
        if (this.failedPublishes++ % 1000 === 0) this.logger.warn(`ticks not published: ${error.message}`);
      },
    );
  }
}
