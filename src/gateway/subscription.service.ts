import { Injectable } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { InstrumentsService } from '../market/instruments.service';
import { MarketDataService } from '../market/market-data.service';
import type { Connection, Subscription } from './connection';
import { ConnectionRegistry } from './connection-registry.service';
import { FanoutService, toTick } from './fanout.service';
import { errorReply, subscribeRejectReply } from './stream-errors';
import { ErrorCode } from './wire/messages';
import type { ServerMessageInit } from './wire/messages';

const MAX_SYMBOL_LENGTH = 32;

/**
 * Subscribe and unsubscribe requests: validation, the per-connection limit, the rate a
 * subscription gets, and the replies in protocol order (ack, reject, snapshot). Replies
 * are returned, not sent, so the caller writes them in one go before any tick can follow.
 */
@Injectable()
export class SubscriptionService implements OnModuleInit {
  constructor(
    private readonly config: AppConfig,
    private readonly instruments: InstrumentsService,
    private readonly market: MarketDataService,
    private readonly fanout: FanoutService,
    private readonly connections: ConnectionRegistry,
  ) {}

  onModuleInit(): void {
    this.connections.onClosed((connection) => this.release(connection));
  }

  subscribe(connection: Connection, requestId: number, symbols: string[], maxRate?: number | null): ServerMessageInit[] {
    const { DEFAULT_MAX_RATE, MAX_RATE, MAX_SUBSCRIPTIONS_PER_CONNECTION, SLOW_CONSUMER_RATE } = this.config.env;
    const requested = uniqueSymbols(symbols);
    if (requested.length === 0 || requested.some((s) => s.length === 0)) {
      return [errorReply(requestId, ErrorCode.ERROR_CODE_INVALID_REQUEST, 'subscribe needs at least one non-empty symbol')];
    }
    const rate = maxRate ?? DEFAULT_MAX_RATE;
    if (!Number.isInteger(rate) || rate < 0 || rate > MAX_RATE) {
      return [
        errorReply(requestId, ErrorCode.ERROR_CODE_INVALID_RATE, `max_rate must be between 0 (every update) and ${MAX_RATE}`),
      ];
    }

    const unknown: string[] = [];
    const overLimit: string[] = [];
    const accepted: Subscription[] = [];
    let count = connection.subscriptions.size;
    for (const symbol of requested) {
      if (symbol.length > MAX_SYMBOL_LENGTH || !this.instruments.get(symbol)) {
        unknown.push(symbol);
        continue;
      }
      let subscription = connection.subscriptions.get(symbol);
      if (subscription) {
        this.fanout.detach(subscription);
      } else if (count >= MAX_SUBSCRIPTIONS_PER_CONNECTION) {
        overLimit.push(symbol);
        continue;
      } else {
        subscription = { connection, symbol, requestedRate: rate, effectiveRate: rate, lastSentSeq: 0 };
        connection.subscriptions.set(symbol, subscription);
        count++;
      }
      subscription.requestedRate = rate;
      subscription.effectiveRate = connection.consumer.kind === 'degraded' ? slowRate(rate, SLOW_CONSUMER_RATE) : rate;
      // The snapshot below carries the newest state: delivery continues after it.
      subscription.lastSentSeq = this.market.latest(symbol)?.seq ?? 0;
      this.fanout.attach(subscription);
      accepted.push(subscription);
    }

    const replies: ServerMessageInit[] = [];
    if (accepted.length > 0) {
      replies.push({ subscribeAck: { requestId, symbols: accepted.map((s) => s.symbol), maxRate: rate } });
    }
    if (unknown.length > 0) {
      replies.push(subscribeRejectReply(requestId, unknown, ErrorCode.ERROR_CODE_UNKNOWN_SYMBOL, 'not in the instrument catalogue'));
    }
    if (overLimit.length > 0) {
      const why = `at most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions per connection`;
      replies.push(subscribeRejectReply(requestId, overLimit, ErrorCode.ERROR_CODE_TOO_MANY_SUBSCRIPTIONS, why));
    }
    if (accepted.length > 0) replies.push({ snapshot: this.snapshot(requestId, accepted) });
    return replies;
  }

  unsubscribe(connection: Connection, requestId: number, symbols: string[]): ServerMessageInit {
    const removed: string[] = [];
    for (const symbol of uniqueSymbols(symbols)) {
      const subscription = connection.subscriptions.get(symbol);
      if (!subscription) continue;
      this.fanout.detach(subscription);
      connection.subscriptions.delete(symbol);
      removed.push(symbol);
    }
    return { unsubscribeAck: { requestId, symbols: removed } };
  }

  /**
   * After the market state was replaced: every subscription continues from the current
   * state, announced by an unsolicited snapshot (request id 0). Call once per connection
   * after {@link FanoutService.rebase}.
   */
  resnapshot(connection: Connection): ServerMessageInit | null {
    if (connection.subscriptions.size === 0) return null;
    const subscriptions = [...connection.subscriptions.values()];
    for (const s of subscriptions) s.lastSentSeq = this.market.latest(s.symbol)?.seq ?? 0;
    return { snapshot: this.snapshot(0, subscriptions) };
  }

  /** Drops every subscription of a closed connection. */
  release(connection: Connection): void {
    for (const subscription of connection.subscriptions.values()) this.fanout.detach(subscription);
    connection.subscriptions.clear();
  }

  /** Conflates every subscription of a slow connection to at most the slow-consumer rate. */
  degrade(connection: Connection): void {
    const limit = this.config.env.SLOW_CONSUMER_RATE;
    for (const s of connection.subscriptions.values()) this.fanout.changeRate(s, slowRate(s.requestedRate, limit));
  }

  /** Restores the rates the client asked for once it has caught up. */
  restore(connection: Connection): void {
    for (const s of connection.subscriptions.values()) this.fanout.changeRate(s, s.requestedRate);
  }

  private snapshot(requestId: number, subscriptions: Subscription[]) {
    return {
      requestId,
      symbols: subscriptions.map((s) => {
        const latest = this.market.latest(s.symbol);
        return {
          instrument: this.instruments.get(s.symbol),
          latest: latest ? toTick(latest, latest.seq) : null,
          epoch: this.market.epoch,
        };
      }),
    };
  }
}

function slowRate(requested: number, limit: number): number {
  return requested === 0 ? limit : Math.min(requested, limit);
}

function uniqueSymbols(symbols: string[]): string[] {
  return [...new Set(symbols.map((s) => s.trim().toUpperCase()))];
}
