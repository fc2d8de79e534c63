import { Injectable, Logger } from '@nestjs/common';
import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AuctionsService } from '../auction/auctions.service';
import type { BidRecord } from '../auction/auction.types';
import { Clock } from '../auction/clock';
import { canonicalId } from '../auction/domain/ids';
import { EventBus } from '../events/event-bus';
import { auctionClosed, auctionState, bidUpdate, outbid } from './auction-messages';
import type { Connection } from './connection';
import { ConnectionRegistry } from './connection-registry.service';
import { errorReply } from './stream-errors';
import { FrameEncoder } from './wire/outbound';
import type { OutboundMessage } from './wire/outbound';
import { ErrorCode } from './wire/messages';
import type { ServerMessageInit } from './wire/messages';

interface Watch {
  connection: Connection;
  lastSeq: number;
  /** Live updates held back while the history is replayed; null once live. */
  held: { seq: number; message: OutboundMessage }[] | null;
  /** Whether this watcher was sent the auction's AuctionClosed. */
  closedSent: boolean;
}

const REPLAY_PAGE = 500;

/**
 * Auction watchers: snapshot, optional replay of the whole history from PostgreSQL, then
 * live bid updates (each encoded once for all watchers), outbid notices to the bidder's
 * own connections, and the close. Updates may come from other processes of a cluster, out of
 * order or not at all (a Redis outage): a watcher that sees a seq gap, or every watcher after
 * Redis returns, catches up from PostgreSQL, the log of record, so none sees a gap or a repeat.
 */
@Injectable()
export class AuctionFeedService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(AuctionFeedService.name);
  private readonly watchers = new Map<string, Map<Connection, Watch>>();
  private readonly connectionsByBidder = new Map<string, Set<Connection>>();
  private readonly unsubscribers: (() => void)[] = [];

  constructor(
    private readonly events: EventBus,
    private readonly auctions: AuctionsService,
    private readonly encoder: FrameEncoder,
    private readonly connections: ConnectionRegistry,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.connections.onClosed((connection) => this.release(connection));
    this.unsubscribers.push(
      this.events.on('auction.bids.committed', ({ auctionId, records, outbids }) => {
        this.deliver(auctionId, records);
        for (const notice of outbids) {
          const connections = this.connectionsByBidder.get(notice.bidderId);
          if (!connections) continue;
          const message = this.encoder.message(outbid(notice));
          for (const c of connections) c.send(message);
        }
      }),
      this.events.on('auction.closed', (event) => {
        const watchers = this.watchers.get(event.auctionId);
        if (!watchers) return;
        const message = this.encoder.message(auctionClosed(event));
        for (const watch of watchers.values()) {
          if (watch.closedSent) continue;
          watch.closedSent = true;
          watch.connection.send(message);
        }
      }),
      this.events.on('cluster.events.resumed', () => {
        for (const [auctionId, watchers] of this.watchers) {
          for (const watch of watchers.values()) if (!watch.held) this.catchUp(watch, auctionId);
        }
      }),
    );
  }

  onModuleDestroy(): void {
    this.unsubscribers.forEach((off) => off());
  }

  registerBidder(connection: Connection, bidderId: string): void {
    let set = this.connectionsByBidder.get(bidderId);
    if (!set) this.connectionsByBidder.set(bidderId, (set = new Set()));
    set.add(connection);
  }

  release(connection: Connection): void {
    for (const auctionId of connection.auctions) this.unwatch(connection, auctionId);
    const bidder = connection.principal.bidder;
    const set = bidder && this.connectionsByBidder.get(bidder.id);
    if (!set) return;
    set.delete(connection);
    if (set.size === 0) this.connectionsByBidder.delete(bidder.id);
  }

  async subscribe(connection: Connection, requestId: number, sentId: string, fromSeq: number | null): Promise<void> {
    const auctionId = canonicalId(sentId);
    if (connection.auctions.has(auctionId)) this.unwatch(connection, auctionId);
    const watch: Watch = { connection, lastSeq: 0, held: [], closedSent: false };
    // Watch before reading: whatever commits while we read is held, not lost.
    this.watchersOf(auctionId).set(connection, watch);
    connection.auctions.add(auctionId);
    try {
      const auction = await this.auctions.find(auctionId);
      if (!auction) {
        this.unwatch(connection, auctionId);
        this.reply(connection, errorReply(requestId, ErrorCode.ERROR_CODE_UNKNOWN_AUCTION, `no auction ${auctionId}`));
        return;
      }
      this.reply(connection, { auctionSnapshot: { requestId, ...auctionState(auction, this.clock.now()) } });
      watch.lastSeq = fromSeq ?? auction.lastSeq;
      if (fromSeq !== null) await this.replay(watch, auctionId);
      this.releaseHeld(watch);
    } catch (error) {
      this.logger.error(`auction subscribe failed: ${(error as Error).message}`);
      this.unwatch(connection, auctionId);
      this.reply(connection, errorReply(requestId, ErrorCode.ERROR_CODE_INTERNAL, 'could not load the auction; retry'));
    }
  }

  unsubscribe(connection: Connection, requestId: number, sentId: string): void {
    const auctionId = canonicalId(sentId);
    this.unwatch(connection, auctionId);
    this.reply(connection, { auctionUnsubscribed: { requestId, auctionId } });
  }

  private async replay(watch: Watch, auctionId: string): Promise<void> {
    for (;;) {
      const page = await this.auctions.history(auctionId, watch.lastSeq, REPLAY_PAGE);
      for (const bid of page.bids) {
        watch.connection.send(this.encoder.message(bidUpdate({
          auctionId, seq: bid.seq, bidderId: '', bidderPseudonym: bid.bidder, kind: bid.kind, amount: bid.amount,
          price: bid.price, leaderPseudonym: bid.leader, nextMinimum: bid.nextMinimum, reserveMet: bid.reserveMet,
          endAt: Date.parse(bid.endAt), receivedAt: Date.parse(bid.receivedAt), extended: bid.extended,
        })));
        watch.lastSeq = bid.seq;
      }
      if (page.nextAfterSeq === null || !watch.connection.isOpen) return;
    }
  }

  private deliver(auctionId: string, records: BidRecord[]): void {
    const watchers = this.watchers.get(auctionId);
    if (!watchers) return;
    for (const record of records) {
      const message = this.encoder.message(bidUpdate(record));
      for (const watch of watchers.values()) {
        if (!watch.held && record.seq > watch.lastSeq + 1) this.catchUp(watch, auctionId); // missed some: hold this one
        if (watch.held) watch.held.push({ seq: record.seq, message });
        else if (record.seq > watch.lastSeq) {
          watch.lastSeq = record.seq;
          watch.connection.send(message);
        }
      }
    }
  }

  /** Replays what this watcher missed from PostgreSQL, holding live updates meanwhile. */
  private catchUp(watch: Watch, auctionId: string): void {
    watch.held = [];
    const run = async () => {
      await this.replay(watch, auctionId);
      const auction = await this.auctions.find(auctionId);
      if (auction?.state === 'closed' && !watch.closedSent) {
        watch.closedSent = true;
        watch.connection.send(this.encoder.message(auctionClosed({
          auctionId, winnerPseudonym: auction.winnerPseudonym, price: auction.book.currentPrice, reserveMet: auction.reserveMetAtClose ?? false,
          seq: auction.lastSeq, closedAt: auction.closedAt ?? auction.book.endAt,
        })));
      }
    };
    run()
      .catch((error: Error) => this.logger.warn(`auction ${auctionId} catch-up failed: ${error.message}`))
      .finally(() => this.releaseHeld(watch));
  }

  /** Sends the updates held during a replay that it did not already cover, and goes live. */
  private releaseHeld(watch: Watch): void {
    for (const item of watch.held ?? []) {
      if (item.seq > watch.lastSeq) {
        watch.lastSeq = item.seq;
        watch.connection.send(item.message);
      }
    }
    watch.held = null;
  }

  private watchersOf(auctionId: string): Map<Connection, Watch> {
    let map = this.watchers.get(auctionId);
    if (!map) this.watchers.set(auctionId, (map = new Map<Connection, Watch>()));
    return map;
  }

  private unwatch(connection: Connection, auctionId: string): void {
    connection.auctions.delete(auctionId);
    const map = this.watchers.get(auctionId);
    if (!map) return;
    map.delete(connection);
    if (map.size === 0) this.watchers.delete(auctionId);
  }

  private reply(connection: Connection, message: ServerMessageInit): void {
    connection.send(this.encoder.message(message));
  }
}
