import { Injectable, Logger } from '@nestjs/common';
import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { EventBus } from '../events/event-bus';
import { AuctionRepository } from './auction.repository';
import { BiddingService } from './bidding.service';
import { Clock } from './clock';
import { settle } from './domain/auction-rules';

/**
 * Moves auctions scheduled → open → closed. A close waits AUCTION_CLOSE_GRACE_MS past the
 * end so that bids received before the end (the rules judge by receive time) are decided
 * first; it runs under the auction row lock and re-checks the end, which soft close may have
 * moved. The winner (or none) is persisted, then announced. Runs on the active feed only, so
 * one process of a cluster opens and closes auctions.
 */
@Injectable()
export class AuctionLifecycleService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(AuctionLifecycleService.name);
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly config: AppConfig,
    private readonly repository: AuctionRepository,
    private readonly bidding: BiddingService,
    private readonly events: EventBus,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.events.on('feed.leadership', ({ active }) => {
      clearInterval(this.timer);
      this.timer = undefined;
      if (!active) return;
      this.timer = setInterval(() => void this.sweep(), this.config.env.AUCTION_LIFECYCLE_INTERVAL_MS);
      this.timer.unref();
    });
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One pass over due auctions; overlapping passes are skipped. */
  async sweep(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const grace = this.config.env.AUCTION_CLOSE_GRACE_MS;
      for (const { id, state } of await this.repository.findDueTransitions(grace, this.clock.now())) {
        if (state === 'scheduled' && (await this.repository.openAuction(id, this.clock.now()))) {
          this.events.emit('auction.opened', { auctionId: id });
        }
        await this.close(id, grace);
      }
    } catch (error) {
      this.logger.warn(`auction lifecycle pass failed: ${(error as Error).message}`);
    } finally {
      this.running = false;
    }
  }

  private async close(id: string, graceMs: number): Promise<void> {
    if (!this.bidding.isIdle(id)) return; // bids still being decided here: next pass
    const closed = await this.repository.transaction(async (tx) => {
      const auction = await this.repository.lockAuction(tx, id);
      const now = this.clock.now();
      if (!auction || auction.state === 'closed' || auction.book.endAt > now - graceMs) return null;
      const result = settle(auction.terms, auction.book);
      await this.repository.closeAuction(tx, id, result.winnerId, result.reserveMet, now);
      const winner = result.winnerId ? auction.leaderPseudonym : null;
      return { auctionId: id, winnerPseudonym: winner, price: result.price, reserveMet: result.reserveMet, seq: auction.lastSeq, closedAt: now };
    });
    if (closed) {
      this.logger.log(`auction ${id} closed: winner ${closed.winnerPseudonym ?? 'none'} at ${closed.price}`);
      this.events.emit('auction.closed', closed);
    }
  }
}
