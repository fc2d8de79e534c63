import { Injectable } from '@nestjs/common';
import type { AuctionClosedEvent, BidRecord, OutbidNotice } from '../auction/auction.types';
import type { Quote } from '../market/quote';

/** Every internal event, by name. Services talk through these instead of calling each other. */
export interface DomainEvents {
  'tick.published': Quote;
  /** Bids of one auction, committed in PostgreSQL, in seq order. */
  'auction.bids.committed': { auctionId: string; records: BidRecord[]; outbids: OutbidNotice[] };
  'auction.opened': { auctionId: string };
  'auction.closed': AuctionClosedEvent;
}

type Listener<K extends keyof DomainEvents> = (payload: DomainEvents[K]) => void;

/**
 * Synchronous typed event bus. Synchronous on purpose: a tick reaches the fan-out in the
 * same turn it is published, so ordering per symbol is the publish order.
 */
@Injectable()
export class EventBus {
  private readonly listeners: { [K in keyof DomainEvents]?: Listener<K>[] } = {};

  on<K extends keyof DomainEvents>(name: K, listener: Listener<K>): () => void {
    const list = (this.listeners[name] ??= []) as Listener<K>[];
    list.push(listener);
    return () => list.splice(list.indexOf(listener) >>> 0, 1);
  }

  emit<K extends keyof DomainEvents>(name: K, payload: DomainEvents[K]): void {
    const list = this.listeners[name];
    if (list) for (const listener of list) listener(payload);
  }
}
