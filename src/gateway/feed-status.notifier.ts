import { Injectable } from '@nestjs/common';
import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EventBus } from '../events/event-bus';
import type { FeedHealth } from '../events/event-bus';
import { ConnectionRegistry } from './connection-registry.service';
import { FanoutService } from './fanout.service';
import { SubscriptionService } from './subscription.service';
import { TradeFanoutService } from './trade-fanout.service';
import { pb } from './wire/messages';
import { FrameEncoder } from './wire/outbound';

/**
 * Tells tick subscribers when their prices stop or start being current: a FeedStatus on
 * every change of the feed's health, and an unsolicited Snapshot whenever the market state
 * was replaced (new epoch, or reloaded after an outage), so no client is left gap-checking
 * against a numbering that no longer exists.
 */
@Injectable()
export class FeedStatusNotifier implements OnModuleInit, OnModuleDestroy {
  private readonly unsubscribers: (() => void)[] = [];

  constructor(
    private readonly events: EventBus,
    private readonly connections: ConnectionRegistry,
    private readonly subscriptions: SubscriptionService,
    private readonly fanout: FanoutService,
    private readonly trades: TradeFanoutService,
    private readonly encoder: FrameEncoder,
  ) {}

  onModuleInit(): void {
    this.unsubscribers.push(
      this.events.on('market.resynced', () => this.resnapshotAll()),
      this.events.on('market.feed.health', (health) => this.announce(health)),
      this.events.on('market.source.ended', ({ message }) => this.broadcast({ state: pb.FeedState.FEED_STATE_ENDED, message })),
    );
  }

  onModuleDestroy(): void {
    this.unsubscribers.forEach((off) => off());
  }

  private resnapshotAll(): void {
    this.fanout.rebase();
    this.trades.rebase();
    for (const connection of this.connections.all()) {
      const snapshot = this.subscriptions.resnapshot(connection);
      if (snapshot) connection.send(this.encoder.message(snapshot));
    }
  }

  private announce(health: FeedHealth): void {
    this.broadcast(health.state === 'live'
      ? { state: pb.FeedState.FEED_STATE_LIVE, message: 'prices are live' }
      : { state: pb.FeedState.FEED_STATE_STALE, message: `prices may be stale: ${health.reason}` });
  }

  private broadcast(feedStatus: { state: number; message: string }): void {
    const message = this.encoder.message({ feedStatus });
    for (const connection of this.connections.all()) if (connection.marketSubscriptionCount > 0) connection.send(message);
  }
}
