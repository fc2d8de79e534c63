import { Injectable } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { InstrumentsService } from '../market/instruments.service';
import type { CandleInterval } from '../market/candles';
import { CandlesService, MAX_CANDLE_HISTORY } from '../market/candles.service';
import { MarketDataService } from '../market/market-data.service';
import type { bidtape } from '../generated/bidtape';
import type { CandleSubscription, Connection, TradeSubscription } from './connection';
import { EventBus } from '../events/event-bus';
import { ConnectionRegistry } from './connection-registry.service';
import { CandleFanoutService } from './candle-fanout.service';
import { FanoutService } from './fanout.service';
import { tickMessage } from './market-messages';
import { candleMessage, instrumentMessage, intervalEnum, intervalOf, tradeMessage } from './market-messages';
import { TradeFanoutService } from './trade-fanout.service';
import { errorReply, subscribeRejectReply } from './stream-errors';
import { ErrorCode, pb } from './wire/messages';
import type { ServerMessageInit } from './wire/messages';
import { FrameEncoder } from './wire/outbound';

const MAX_SYMBOL_LENGTH = 32;
type SubscribeRequest = bidtape.v1.ISubscribeRequest;

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
    private readonly trades: TradeFanoutService,
    private readonly candleFanout: CandleFanoutService,
    private readonly candles: CandlesService,
    private readonly encoder: FrameEncoder,
    private readonly events: EventBus,
  ) {}

  onModuleInit(): void {
    this.connections.onClosed((connection) => this.release(connection));
    this.events.on('market.instruments.reloaded', ({ symbol, retired }) => {
      if (retired) this.retire(symbol);
    });
  }

  subscribe(connection: Connection, requestId: number, request: SubscribeRequest): ServerMessageInit[] {
    const { DEFAULT_MAX_RATE, MAX_RATE, MAX_SUBSCRIPTIONS_PER_CONNECTION } = this.config.env;
    const requested = uniqueSymbols(request.symbols ?? []);
    if (requested.length === 0 || requested.some((s) => s.length === 0)) {
      return [errorReply(requestId, ErrorCode.ERROR_CODE_INVALID_REQUEST, 'subscribe needs at least one non-empty symbol')];
    }
    const rate = request.maxRate ?? DEFAULT_MAX_RATE;
    if (!Number.isInteger(rate) || rate < 0 || rate > MAX_RATE) {
      return [
        errorReply(requestId, ErrorCode.ERROR_CODE_INVALID_RATE, `max_rate must be between 0 (every update) and ${MAX_RATE}`),
      ];
    }
    const channels = channelsOf(request.channels);
    if (typeof channels === 'string') return [errorReply(requestId, ErrorCode.ERROR_CODE_INVALID_REQUEST, channels)];
    const interval = intervalOf(request.candleInterval);
    const historyCount = request.candleHistory || DEFAULT_CANDLE_HISTORY;
    if (channels.has('candles')) {
      if (!interval) return [errorReply(requestId, ErrorCode.ERROR_CODE_INVALID_REQUEST, 'CHANNEL_CANDLES needs a candle_interval')];
      if (historyCount > MAX_CANDLE_HISTORY) {
        return [errorReply(requestId, ErrorCode.ERROR_CODE_INVALID_REQUEST, `candle_history is at most ${MAX_CANDLE_HISTORY}`)];
      }
    }

    const unknown: string[] = [];
    const overLimit: string[] = [];
    const accepted: string[] = [];
    let count = connection.marketSubscriptionCount;
    for (const symbol of requested) {
      if (symbol.length > MAX_SYMBOL_LENGTH || !this.instruments.get(symbol)) {
        unknown.push(symbol);
        continue;
      }
      const added = [...channels].filter((c) => !this.has(connection, symbol, c)).length;
      if (count + added > MAX_SUBSCRIPTIONS_PER_CONNECTION) {
        overLimit.push(symbol);
        continue;
      }
      count += added;
      if (channels.has('quotes')) this.subscribeQuotes(connection, symbol, rate);
      if (channels.has('trades')) this.subscribeTrades(connection, symbol, rate);
      if (channels.has('candles')) this.subscribeCandles(connection, symbol, interval!, rate);
      accepted.push(symbol);
    }

    const replies: ServerMessageInit[] = [];
    if (accepted.length > 0) {
      replies.push({
        subscribeAck: {
          requestId, symbols: accepted, maxRate: rate, channels: [...channels].map(channelEnum),
          candleInterval: channels.has('candles') ? intervalEnum(interval!) : undefined,
        },
      });
    }
    if (unknown.length > 0) {
      replies.push(subscribeRejectReply(requestId, unknown, ErrorCode.ERROR_CODE_UNKNOWN_SYMBOL, 'not in the instrument catalogue'));
    }
    if (overLimit.length > 0) {
      const why = `at most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions per connection (each symbol and channel counts)`;
      replies.push(subscribeRejectReply(requestId, overLimit, ErrorCode.ERROR_CODE_TOO_MANY_SUBSCRIPTIONS, why));
    }
    if (accepted.length > 0) {
      const contents = { quotes: channels.has('quotes'), trades: channels.has('trades') };
      replies.push({ snapshot: this.snapshot(requestId, accepted.map((symbol) => ({ symbol, ...contents }))) });
      if (channels.has('candles')) {
        for (const symbol of accepted) {
          const candles = this.candles.recent(symbol, interval!, historyCount).map(candleMessage);
          replies.push({ candleHistory: { symbol, interval: intervalEnum(interval!), candles } });
        }
      }
    }
    return replies;
  }

  unsubscribe(connection: Connection, requestId: number, symbols: string[], channelList?: bidtape.v1.Channel[] | null): ServerMessageInit {
    const channels = channelsOf(channelList?.length ? channelList : ALL_CHANNEL_ENUMS);
    const removed: string[] = [];
    if (typeof channels === 'string') return errorReply(requestId, ErrorCode.ERROR_CODE_INVALID_REQUEST, channels);
    for (const symbol of uniqueSymbols(symbols)) {
      let any = false;
      for (const channel of channels) any = this.drop(connection, symbol, channel) || any;
      if (any) removed.push(symbol);
    }
    return { unsubscribeAck: { requestId, symbols: removed } };
  }

  /**
   * After the market state was replaced: every subscription continues from the current
   * state, announced by an unsolicited snapshot (request id 0) of every subscribed symbol,
   * candle-only ones included, each with what its own channels carry. Call once per connection
   * after {@link FanoutService.rebase} and {@link TradeFanoutService.rebase}.
   */
  resnapshot(connection: Connection): ServerMessageInit | null {
    const { subscriptions, tradeSubscriptions, candleSubscriptions } = connection;
    const symbols = new Set([...subscriptions.keys(), ...tradeSubscriptions.keys(), ...candleSubscriptions.keys()]);
    if (symbols.size === 0) return null;
    for (const s of subscriptions.values()) s.lastSentSeq = this.market.latest(s.symbol)?.seq ?? 0;
    for (const s of tradeSubscriptions.values()) s.lastSentSeq = this.market.lastTrade(s.symbol)?.seq ?? 0;
    const contents = [...symbols].map((symbol) => ({ symbol, quotes: subscriptions.has(symbol), trades: tradeSubscriptions.has(symbol) }));
    return { snapshot: this.snapshot(0, contents) };
  }

  /** Drops every subscription of a closed connection. */
  release(connection: Connection): void {
    for (const subscription of connection.subscriptions.values()) this.fanout.detach(subscription);
    for (const subscription of connection.tradeSubscriptions.values()) this.trades.detach(subscription);
    for (const subscription of connection.candleSubscriptions.values()) this.candleFanout.detach(subscription);
    connection.subscriptions.clear();
    connection.tradeSubscriptions.clear();
    connection.candleSubscriptions.clear();
  }

  /** An instrument left the catalogue: its subscriptions end, each connection told once. */
  retire(symbol: string): void {
    for (const connection of this.connections.all()) {
      let any = false;
      for (const channel of CHANNELS) any = this.drop(connection, symbol, channel) || any;
      if (any) connection.send(this.encoder.message({ instrumentRetired: { symbol, message: `${symbol} was retired from the catalogue` } }));
    }
    this.market.forget(symbol);
  }

  /** Conflates every quote subscription of a slow connection to at most the slow-consumer rate (trades and candles keep theirs). */
  degrade(connection: Connection): void {
    const limit = this.config.env.SLOW_CONSUMER_RATE;
    for (const s of connection.subscriptions.values()) this.fanout.changeRate(s, slowRate(s.requestedRate, limit));
  }

  /** Restores the rates the client asked for once it has caught up. */
  restore(connection: Connection): void {
    for (const s of connection.subscriptions.values()) this.fanout.changeRate(s, s.requestedRate);
  }

  /** Per symbol its instrument and epoch, the latest tick with quotes, the last trade with trades. */
  private snapshot(requestId: number, contents: readonly SnapshotContents[]) {
    return {
      requestId,
      // A symbol retired a moment ago (its subscriptions end once the catalogue reloads) is left out.
      symbols: contents.filter(({ symbol }) => this.instruments.get(symbol)).map(({ symbol, quotes, trades }) => {
        const latest = quotes ? this.market.latest(symbol) : undefined;
        const lastTrade = trades ? this.market.lastTrade(symbol) : undefined;
        return {
          instrument: instrumentMessage(this.instruments.get(symbol)!),
          latest: latest ? tickMessage(latest, latest.seq) : null,
          lastTrade: lastTrade ? tradeMessage(lastTrade) : null,
          epoch: this.market.epoch,
        };
      }),
    };
  }

  private has(connection: Connection, symbol: string, channel: ChannelName): boolean {
    switch (channel) {
      case 'quotes': return connection.subscriptions.has(symbol);
      case 'trades': return connection.tradeSubscriptions.has(symbol);
      case 'candles': return connection.candleSubscriptions.has(symbol);
    }
  }

  private subscribeQuotes(connection: Connection, symbol: string, rate: number): void {
    let subscription = connection.subscriptions.get(symbol);
    if (subscription) this.fanout.detach(subscription);
    else connection.subscriptions.set(symbol, (subscription = { connection, symbol, requestedRate: rate, effectiveRate: rate, lastSentSeq: 0 }));
    subscription.requestedRate = rate;
    subscription.effectiveRate = connection.consumer.kind === 'degraded' ? slowRate(rate, this.config.env.SLOW_CONSUMER_RATE) : rate;
    // The snapshot carries the newest state: delivery continues after it.
    subscription.lastSentSeq = this.market.latest(symbol)?.seq ?? 0;
    this.fanout.attach(subscription);
  }

  private subscribeTrades(connection: Connection, symbol: string, rate: number): void {
    const previous = connection.tradeSubscriptions.get(symbol);
    if (previous) this.trades.detach(previous);
    const subscription: TradeSubscription = { connection, symbol, rate, lastSentSeq: this.market.lastTrade(symbol)?.seq ?? 0 };
    connection.tradeSubscriptions.set(symbol, subscription);
    this.trades.attach(subscription);
  }

  private subscribeCandles(connection: Connection, symbol: string, interval: CandleInterval, rate: number): void {
    const previous = connection.candleSubscriptions.get(symbol);
    if (previous) this.candleFanout.detach(previous);
    const subscription: CandleSubscription = { connection, symbol, interval, rate };
    connection.candleSubscriptions.set(symbol, subscription);
    this.candleFanout.attach(subscription);
  }

  /** Ends one channel of a symbol; true when it was subscribed. */
  private drop(connection: Connection, symbol: string, channel: ChannelName): boolean {
    switch (channel) {
      case 'quotes': {
        const s = connection.subscriptions.get(symbol);
        if (s) this.fanout.detach(s);
        return connection.subscriptions.delete(symbol);
      }
      case 'trades': {
        const s = connection.tradeSubscriptions.get(symbol);
        if (s) this.trades.detach(s);
        return connection.tradeSubscriptions.delete(symbol);
      }
      case 'candles': {
        const s = connection.candleSubscriptions.get(symbol);
        if (s) this.candleFanout.detach(s);
        return connection.candleSubscriptions.delete(symbol);
      }
    }
  }
}

type ChannelName = 'quotes' | 'trades' | 'candles';
/** What a symbol's snapshot carries besides its instrument and epoch. */
interface SnapshotContents {
  symbol: string;
  quotes: boolean;
  trades: boolean;
}
const CHANNELS: readonly ChannelName[] = ['quotes', 'trades', 'candles'];
const ALL_CHANNEL_ENUMS = [pb.Channel.CHANNEL_QUOTES, pb.Channel.CHANNEL_TRADES, pb.Channel.CHANNEL_CANDLES];
const DEFAULT_CANDLE_HISTORY = 300;

/** The channels a request names (none: quotes), or why they are not valid. */
function channelsOf(values: readonly bidtape.v1.Channel[] | null | undefined): Set<ChannelName> | string {
  if (!values || values.length === 0) return new Set(['quotes']);
  const out = new Set<ChannelName>();
  for (const value of values) {
    switch (value) {
      case pb.Channel.CHANNEL_QUOTES: out.add('quotes'); break;
      case pb.Channel.CHANNEL_TRADES: out.add('trades'); break;
      case pb.Channel.CHANNEL_CANDLES: out.add('candles'); break;
      case pb.Channel.CHANNEL_UNSPECIFIED:
      default: return `unknown channel ${String(value)}`;
    }
  }
  return out;
}

function channelEnum(channel: ChannelName): bidtape.v1.Channel {
  switch (channel) {
    case 'quotes': return pb.Channel.CHANNEL_QUOTES;
    case 'trades': return pb.Channel.CHANNEL_TRADES;
    case 'candles': return pb.Channel.CHANNEL_CANDLES;
  }
}

function slowRate(requested: number, limit: number): number {
  return requested === 0 ? limit : Math.min(requested, limit);
}

function uniqueSymbols(symbols: string[]): string[] {
  return [...new Set(symbols.map((s) => s.trim().toUpperCase()))];
}
