import { Injectable } from '@nestjs/common';
import type { AuctionClosedEvent, BidRecord, OutbidNotice } from '../auction/auction.types';
import type { Candle } from '../market/candles';
import type { Quote, QuoteInput } from '../market/quote';
import type { Trade, TradeInput } from '../market/trade';

/** Why the gateway's copy of the market may be behind, or that it no longer is. */
export type FeedHealth = { state: 'live' } | { state: 'stale'; reason: string };

/** Every internal event, by name. Services talk through these instead of calling each other. */
export interface DomainEvents {
  /** A sequenced tick, on the process that sequenced it and on every gateway that received it. */
  'tick.published': Quote;
  /** A sequenced trade, like a tick. */
  'trade.published': Trade;
  /** Validated items of a publisher, for the sequencer (the single process, or the cluster's active feed) to number. */
  'market.ingest': { quotes: { quote: QuoteInput; timestampUs: number }[]; trades: TradeInput[] };
  /** The market-data source finished (a replay reached the end of its recording). */
  'market.source.ended': { message: string };
  /** A candle changed (a price folded in) or closed. */
  'candle.updated': Candle;
  /** An instrument was added, retired or given another source: every process reloads its catalogue. */
  'market.instruments.changed': { symbol: string; retired: boolean };
  /** This process's catalogue now reflects a change (so a retired instrument's streams can end). */
  'market.instruments.reloaded': { symbol: string; retired: boolean };
  /** Bids of one auction, committed in PostgreSQL, in seq order. */
  'auction.bids.committed': { auctionId: string; records: BidRecord[]; outbids: OutbidNotice[] };
  'auction.opened': { auctionId: string };
  'auction.closed': AuctionClosedEvent;
  /** An API key was revoked: its live connections are closed wherever they are. */
  'auth.key.revoked': { keyId: string };
  /** This process became (or stopped being) the cluster's one sequencer of the feed. */
  'feed.leadership': { active: boolean; epoch: string };
  /** The market state was replaced (new epoch, or reloaded after an outage): subscribers need a fresh snapshot. */
  'market.resynced': { epoch: string; epochChanged: boolean };
  /** The gateway's copy of the feed went stale or became live again. */
  'market.feed.health': FeedHealth;
  /** Redis is reachable again after an outage: cluster events may have been missed meanwhile. */
  'cluster.events.resumed': { since: number };
}

export type EventName = keyof DomainEvents;

/**
 * Where each event is delivered: `local` events stay in the process that emits them;
 * `cluster` events also reach every other process of a cluster (through Redis), where they
 * are emitted as if raised there. Ticks cross on their own sequenced channel (see
 * cluster/tick-channel.ts), so here they are local: a gateway re-emits what it receives.
 */
export const EVENT_SCOPE: { readonly [K in EventName]: 'local' | 'cluster' } = {
  'tick.published': 'local',
  'trade.published': 'local',
  'candle.updated': 'local',
  'market.ingest': 'cluster',
  'market.source.ended': 'cluster',
  'market.instruments.changed': 'cluster',
  'market.instruments.reloaded': 'local',
  'auction.bids.committed': 'cluster',
  'auction.opened': 'cluster',
  'auction.closed': 'cluster',
  'auth.key.revoked': 'cluster',
  'feed.leadership': 'local',
  'market.resynced': 'local',
  'market.feed.health': 'local',
  'cluster.events.resumed': 'local',
};

/** Carries cluster-scoped events to the other processes (the Redis transport implements it). */
export interface RemoteEventSink {
  forward<K extends EventName>(name: K, payload: DomainEvents[K]): void;
}

type Listener<K extends EventName> = (payload: DomainEvents[K]) => void;

/**
 * Typed event bus, the one interface features publish and subscribe through, whether the
 * platform is one process or a cluster. Local delivery is synchronous on purpose: a tick
 * reaches the fan-out in the same turn it is published, so ordering per symbol is the publish
 * order. Cluster-scoped events are also handed to the remote sink when one is attached.
 */
@Injectable()
export class EventBus {
  private readonly listeners: { [K in EventName]?: Listener<K>[] } = {};
  private remote?: RemoteEventSink;

  on<K extends EventName>(name: K, listener: Listener<K>): () => void {
    const list = (this.listeners[name] ??= []) as Listener<K>[];
    list.push(listener);
    return () => list.splice(list.indexOf(listener) >>> 0, 1);
  }

  emit<K extends EventName>(name: K, payload: DomainEvents[K]): void {
    this.deliver(name, payload);
    if (this.remote && EVENT_SCOPE[name] === 'cluster') this.remote.forward(name, payload);
  }

  /** An event raised on another process: delivered here only, never forwarded again. */
  receive<K extends EventName>(name: K, payload: DomainEvents[K]): void {
    this.deliver(name, payload);
  }

  attachRemote(sink: RemoteEventSink | undefined): void {
    this.remote = sink;
  }

  private deliver<K extends EventName>(name: K, payload: DomainEvents[K]): void {
    const list = this.listeners[name];
    if (list) for (const listener of list) listener(payload);
  }
}
