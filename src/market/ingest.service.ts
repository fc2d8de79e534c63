import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { InstrumentsService } from './instruments.service';
import { MarketDataService } from './market-data.service';
import { checkQuote, checkTrade } from './publish-rules';
import type { PublishProblem, PublishRejectCode, QuoteItem, TradeItem } from './publish-rules';
import { nowMicros } from './quote';
import type { InstrumentInfo } from './quote';

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
 * Prices from publishers: each item is checked (the symbol is live, this key may publish it
 * and is its active source, the values obey the instrument's rules), then the accepted ones
 * go through the same sequencer as simulated prices, which assigns their seqs. A rejected
 * item never reaches subscribers and does not hold back the others.
 */
@Injectable()
export class IngestService {
  constructor(
    private readonly config: AppConfig,
    private readonly instruments: InstrumentsService,
    private readonly market: MarketDataService,
  ) {}

  publish(publisher: Publisher, items: PublishItems): PublishOutcome {
    const clock = { nowUs: nowMicros(), maxSkewUs: this.config.env.PUBLISH_MAX_SKEW_MS * 1000 };
    const rejected: PublishRejection[] = [];
    let accepted = 0;
    items.quotes.forEach((quote, index) => {
      const problem = this.admit(publisher, quote.symbol) ?? checkQuote(quote, this.instruments.get(quote.symbol)!, clock);
      if (problem) return rejected.push({ kind: 'quote', index, ...problem });
      const { symbol, bidPrice, askPrice, bidSize, askSize } = quote;
      this.market.publish({ symbol, bidPrice, askPrice, bidSize, askSize, lastPrice: this.lastPrice(quote) }, quote.timestampUs);
      accepted++;
    });
    items.trades.forEach((trade, index) => {
      const problem = this.admit(publisher, trade.symbol) ?? checkTrade(trade, this.instruments.get(trade.symbol)!, clock);
      if (problem) return rejected.push({ kind: 'trade', index, ...problem });
      const { symbol, tradeId, price, size, timestampUs } = trade;
      this.market.publishTrade({ symbol, tradeId, price, size, side: trade.side!, timestampUs });
      accepted++;
    });
    return { accepted, rejected };
  }

  /** Whether this publisher may publish the symbol at all (before its values are looked at). */
  private admit(publisher: Publisher, symbol: string): PublishProblem | null {
    const instrument: InstrumentInfo | undefined = this.instruments.get(symbol);
    if (!instrument) return { code: 'UNKNOWN_SYMBOL', message: `${symbol || '(empty)'} is not in the instrument catalogue` };
    if (!publisher.symbols.has(symbol)) return { code: 'NOT_PERMITTED', message: `this key may not publish ${symbol}` };
    const source = this.instruments.sourceOf(symbol);
    if (source === 'simulator' || source?.keyId !== publisher.keyId) {
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
