import { Injectable } from '@nestjs/common';
import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EventBus } from '../events/event-bus';
import { Telemetry } from '../metrics/telemetry';
import { AppConfig } from '../config/app-config';
import { InstrumentsService } from './instruments.service';
import { MarketDataService } from './market-data.service';
import { checkQuote, checkTrade } from './publish-rules';
import type { PublishProblem, PublishRejectCode, QuoteItem, TradeItem } from './publish-rules';
import { nowMicros } from './quote';
import type { InstrumentInfo } from './quote';
import type { TradeInput } from './trade';
import type { DomainEvents } from '../events/event-bus';

/** Who is publishing: an API key and the symbols it may publish. */
export interface Publisher {
  keyId: string;
  symbols: ReadonlySet<string>;
}

export interface PublishItems {
  quotes: QuoteItem[];
  trades: TradeItem[];
}

export interface PublishRejection {
  kind: 'quote' | 'trade';
  index: number;
  code: PublishRejectCode;
  message: string;
}

export interface PublishOutcome {
  accepted: number;
  rejected: PublishRejection[];
}

/**
 * Prices from publishers: each item is checked where it arrives (the symbol is live, this key
 * may publish it and is its active source, the values obey the instrument's rules), then the
 * accepted ones are handed to the sequencer as `market.ingest`: on a single process that is
 * this process, at once; in a cluster the event crosses to the active feed, which numbers them
 * like simulated prices. A rejected item never reaches subscribers and does not hold back the
 * others.
 */
@Injectable()
export class IngestService implements OnModuleInit, OnModuleDestroy {
  private sequencer = false;
  /** Whether the sequencer can be reached: false on a cluster gateway while its feed is stale. */
  private feedLive = true;
  private readonly unsubscribers: (() => void)[] = [];

  constructor(
    private readonly config: AppConfig,
    private readonly instruments: InstrumentsService,
    private readonly market: MarketDataService,
    private readonly events: EventBus,
    private readonly telemetry: Telemetry,
  ) {}

  onModuleInit(): void {
    this.unsubscribers.push(
      this.events.on('feed.leadership', ({ active }) => (this.sequencer = active)),
      this.events.on('market.feed.health', (health) => (this.feedLive = health.state === 'live')),
      this.events.on('market.ingest', ({ quotes, trades }) => {
        if (!this.sequencer) return; // another process numbers them
        for (const { quote, timestampUs } of quotes) this.market.publish(quote, timestampUs);
        for (const trade of trades) this.market.publishTrade(trade);
      }),
    );
  }

  onModuleDestroy(): void {
    this.unsubscribers.forEach((off) => off());
  }

  /** Why a whole request is refused before any item is looked at (too many items), or null. */
  requestProblem(items: PublishItems): string | null {
    const limit = this.config.env.MAX_PUBLISH_ITEMS;
    return items.quotes.length + items.trades.length > limit ? `at most ${limit} items per PublishRequest` : null;
  }

  publish(publisher: Publisher, items: PublishItems): PublishOutcome {
    const clock = { nowUs: nowMicros(), maxSkewUs: this.config.env.PUBLISH_MAX_SKEW_MS * 1000 };
    const rejected: PublishRejection[] = [];
    const quotes: DomainEvents['market.ingest']['quotes'] = [];
    const trades: TradeInput[] = [];
    items.quotes.forEach((quote, index) => {
      const problem = this.admit(publisher, quote.symbol) ?? checkQuote(quote, this.instruments.get(quote.symbol)!, clock);
      if (problem) return rejected.push({ kind: 'quote', index, ...problem });
      const { symbol, bidPrice, askPrice, bidSize, askSize } = quote;
      quotes.push({ quote: { symbol, bidPrice, askPrice, bidSize, askSize, lastPrice: this.lastPrice(quote) }, timestampUs: quote.timestampUs });
    });
    items.trades.forEach((trade, index) => {
      const problem = this.admit(publisher, trade.symbol) ?? checkTrade(trade, this.instruments.get(trade.symbol)!, clock);
      if (problem) return rejected.push({ kind: 'trade', index, ...problem });
      const { symbol, tradeId, price, size, timestampUs } = trade;
      trades.push({ symbol, tradeId, price, size, side: trade.side!, timestampUs });
    });
    if (quotes.length + trades.length > 0) this.events.emit('market.ingest', { quotes, trades });
    if (quotes.length > 0) this.telemetry.publishedItems.inc({ kind: 'quote', outcome: 'accepted' }, quotes.length);
    if (trades.length > 0) this.telemetry.publishedItems.inc({ kind: 'trade', outcome: 'accepted' }, trades.length);
    for (const r of rejected) this.telemetry.publishedItems.inc({ kind: r.kind, outcome: r.code });
    return { accepted: quotes.length + trades.length, rejected };
  }

  /** Whether this publisher may publish the symbol at all (before its values are looked at). */
  private admit(publisher: Publisher, symbol: string): PublishProblem | null {
    if (!this.sequencer && !this.feedLive) return { code: 'UNAVAILABLE', message: 'the feed is unreachable right now; nothing was published, retry later' };
    const instrument: InstrumentInfo | undefined = this.instruments.get(symbol);
    if (!instrument) return { code: 'UNKNOWN_SYMBOL', message: `${symbol || '(empty)'} is not in the instrument catalogue` };
    if (!publisher.symbols.has(symbol)) return { code: 'NOT_PERMITTED', message: `this key may not publish ${symbol}` };
    const source = this.instruments.sourceOf(symbol);
    if (typeof source !== 'object' || source.keyId !== publisher.keyId) {
      return { code: 'NOT_ACTIVE_SOURCE', message: `${symbol}'s active source is not this key (see the admin API)` };
    }
    return null;
  }

  /** A quote's last price: the symbol's last trade, or before any trade the mid, rounded down to the tick. */
  private lastPrice(quote: QuoteItem): number {
    const trade = this.market.lastTrade(quote.symbol);
    if (trade) return trade.price;
    const tick = this.instruments.get(quote.symbol)!.tickSize;
    return Math.floor((quote.bidPrice + quote.askPrice) / 2 / tick) * tick;
  }
}
