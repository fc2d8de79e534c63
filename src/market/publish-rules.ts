import type { InstrumentInfo } from './quote';

/**
 * What a published item must satisfy before it may reach subscribers: pure rules, checked
 * against the instrument and the server's clock. Who may publish which symbol is decided
 * around them (see IngestService).
 */
export type PublishRejectCode =
  | 'UNKNOWN_SYMBOL'
  | 'NOT_PERMITTED'
  | 'NOT_ACTIVE_SOURCE'
  | 'OFF_TICK'
  | 'OFF_LOT'
  | 'NOT_POSITIVE'
  | 'CROSSED'
  | 'BAD_TIMESTAMP'
  | 'OUT_OF_BOUNDS'
  | 'MISSING_FIELD'
  /** Decided around the rules: the sequencer cannot be reached now. */
  | 'UNAVAILABLE';

export interface PublishProblem {
  code: PublishRejectCode;
  message: string;
}

/** The largest price or size accepted (minor or size units); far above any real value, below 2^53. */
export const MAX_PUBLISHED_VALUE = 10 ** 15;
const TRADE_ID = /^[\x21-\x7e]{1,64}$/;

export interface QuoteItem {
  symbol: string;
  bidPrice: number;
  askPrice: number;
  bidSize: number;
  askSize: number;
  timestampUs: number;
}

export interface TradeItem {
  symbol: string;
  tradeId: string;
  price: number;
  size: number;
  side: 'buy' | 'sell' | null;
  timestampUs: number;
}

export interface PublishClock {
  nowUs: number;
  maxSkewUs: number;
}

export function checkQuote(item: QuoteItem, instrument: InstrumentInfo, clock: PublishClock): PublishProblem | null {
  return (
    checkPrice('bid_price', item.bidPrice, instrument) ??
    checkPrice('ask_price', item.askPrice, instrument) ??
    checkSize('bid_size', item.bidSize, instrument) ??
    checkSize('ask_size', item.askSize, instrument) ??
    (item.bidPrice > item.askPrice ? problem('CROSSED', `bid_price ${item.bidPrice} is above ask_price ${item.askPrice}`) : null) ??
    checkTimestamp(item.timestampUs, clock)
  );
}

export function checkTrade(item: TradeItem, instrument: InstrumentInfo, clock: PublishClock): PublishProblem | null {
  if (!TRADE_ID.test(item.tradeId)) return problem('MISSING_FIELD', 'trade_id must be 1-64 printable characters');
  if (!item.side) return problem('MISSING_FIELD', 'aggressor_side must be SIDE_BUY or SIDE_SELL');
  return checkPrice('price', item.price, instrument) ?? checkSize('size', item.size, instrument) ?? checkTimestamp(item.timestampUs, clock);
}

function checkPrice(field: string, value: number, instrument: InstrumentInfo): PublishProblem | null {
  return (
    checkMagnitude(field, value) ??
    (value % instrument.tickSize !== 0 ? problem('OFF_TICK', `${field} ${value} is not a multiple of the tick size ${instrument.tickSize}`) : null)
  );
}

function checkSize(field: string, value: number, instrument: InstrumentInfo): PublishProblem | null {
  return (
    checkMagnitude(field, value) ??
    (value % instrument.lotSize !== 0 ? problem('OFF_LOT', `${field} ${value} is not a multiple of the lot size ${instrument.lotSize}`) : null)
  );
}

function checkMagnitude(field: string, value: number): PublishProblem | null {
  if (!Number.isSafeInteger(value) || value <= 0) return problem('NOT_POSITIVE', `${field} must be a positive integer (got ${value})`);
  if (value > MAX_PUBLISHED_VALUE) return problem('OUT_OF_BOUNDS', `${field} ${value} is above ${MAX_PUBLISHED_VALUE}`);
  return null;
}

function checkTimestamp(timestampUs: number, clock: PublishClock): PublishProblem | null {
  if (timestampUs === 0) return null; // the server's receive time
  if (Math.abs(timestampUs - clock.nowUs) > clock.maxSkewUs) {
    return problem('BAD_TIMESTAMP', `timestamp_us ${timestampUs} is more than ${clock.maxSkewUs / 1000} ms from the server's clock`);
  }
  return null;
}

function problem(code: PublishRejectCode, message: string): PublishProblem {
  return { code, message };
}
