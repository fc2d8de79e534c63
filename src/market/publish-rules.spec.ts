import { checkQuote, checkTrade, MAX_PUBLISHED_VALUE } from './publish-rules';
import type { QuoteItem, TradeItem } from './publish-rules';
import type { InstrumentInfo } from './quote';

const NOW = 1_764_547_200_000_000;
const clock = { nowUs: NOW, maxSkewUs: 5_000_000 };
// Prices on a tick of 5 minor units, sizes on a lot of 100.
const instrument: InstrumentInfo = { symbol: 'X', displayName: 'X', priceScale: 2, tickSize: 5, sizeScale: 0, lotSize: 100, quoteCurrency: 'USD', candleSource: 'trades' };
const quote = (q: Partial<QuoteItem> = {}): QuoteItem => ({ symbol: 'X', bidPrice: 1000, askPrice: 1005, bidSize: 100, askSize: 200, timestampUs: NOW, ...q });
const trade = (t: Partial<TradeItem> = {}): TradeItem => ({ symbol: 'X', tradeId: 't-1', price: 1000, size: 300, side: 'buy', timestampUs: NOW, ...t });

describe(checkQuote.name, () => {
  it.each<[string, Partial<QuoteItem>, string | null]>([
    ['a valid quote', {}, null],
    ['a locked market (bid = ask)', { askPrice: 1000 }, null],
    ['no timestamp (the server stamps it)', { timestampUs: 0 }, null],
    ['the edge of the skew', { timestampUs: NOW - 5_000_000 }, null],
    ['a bid off the tick', { bidPrice: 1001 }, 'OFF_TICK'],
    ['an ask off the tick', { askPrice: 1007 }, 'OFF_TICK'],
    ['a size off the lot', { bidSize: 150 }, 'OFF_LOT'],
    ['a zero price', { bidPrice: 0 }, 'NOT_POSITIVE'],
    ['a negative size', { askSize: -100 }, 'NOT_POSITIVE'],
    ['a fractional price', { bidPrice: 1000.5 }, 'NOT_POSITIVE'],
    ['a crossed market', { bidPrice: 1010, askPrice: 1005 }, 'CROSSED'],
    ['a timestamp past the skew', { timestampUs: NOW + 5_000_001 }, 'BAD_TIMESTAMP'],
    ['a price above the bound', { askPrice: MAX_PUBLISHED_VALUE + 5 }, 'OUT_OF_BOUNDS'],
  ])('%s', (_name, change, code) => {
    expect(checkQuote(quote(change), instrument, clock)?.code ?? null).toBe(code);
  });
});

describe(checkTrade.name, () => {
  it.each<[string, Partial<TradeItem>, string | null]>([
    ['a valid trade', {}, null],
    ['no trade id', { tradeId: '' }, 'MISSING_FIELD'],
    ['a trade id with a space', { tradeId: 'a b' }, 'MISSING_FIELD'],
    ['no aggressor side', { side: null }, 'MISSING_FIELD'],
    ['a price off the tick', { price: 1003 }, 'OFF_TICK'],
    ['a size off the lot', { size: 250 }, 'OFF_LOT'],
    ['a zero size', { size: 0 }, 'NOT_POSITIVE'],
    ['an old timestamp', { timestampUs: NOW - 60_000_000 }, 'BAD_TIMESTAMP'],
  ])('%s', (_name, change, code) => {
    expect(checkTrade(trade(change), instrument, clock)?.code ?? null).toBe(code);
  });
});
