/**
 * OHLCV candles: pure aggregation of prices into time buckets aligned to the Unix epoch (UTC).
 * A candle is built from trades (price, size) or, for an instrument whose candles come from
 * quotes, from each quote's last price with size 0.
 */
export const CANDLE_INTERVALS = ['1s', '1m', '5m', '1h', '1d'] as const;
export type CandleInterval = (typeof CANDLE_INTERVALS)[number];

export const INTERVAL_US: Record<CandleInterval, number> = {
  '1s': 1_000_000,
  '1m': 60_000_000,
  '5m': 300_000_000,
  '1h': 3_600_000_000,
  '1d': 86_400_000_000,
};

export interface Candle {
  symbol: string;
  interval: CandleInterval;
  /** Bucket start, microseconds since the epoch. */
  startUs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  count: number;
  /** The bucket has ended: the candle never changes again. */
  closed: boolean;
}

/** A copy of the candle, closed or forming. */
export function withClosed(c: Candle, closed: boolean): Candle {
  return { symbol: c.symbol, interval: c.interval, startUs: c.startUs, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume, count: c.count, closed };
}

/** Names one symbol's candles at one interval, wherever they are kept or looked up. */
export function candleKey(symbol: string, interval: CandleInterval): string {
  return `${symbol}/${interval}`;
}

export function bucketStart(timestampUs: number, interval: CandleInterval): number {
  const length = INTERVAL_US[interval];
  return Math.floor(timestampUs / length) * length;
}

/** What adding one price did: the candle it closed, if any, and the forming candle after it. */
export interface CandleStep {
  closed: Candle | null;
  forming: Candle;
}

/**
 * The forming candle of one symbol at one interval. Prices arrive in sequence order; a price
 * whose time falls in a later bucket closes the forming candle and opens the next (buckets
 * without prices have no candle). A price timed before the forming bucket (a late trade from
 * a source whose clock lags) is folded into the forming candle, so candles never reopen.
 */
export class CandleBuilder {
  private current: Candle | null;

  constructor(
    readonly symbol: string,
    readonly interval: CandleInterval,
    resume: Candle | null = null,
  ) {
    this.current = resume && !resume.closed ? { ...resume } : null;
  }

  get forming(): Candle | null {
    return this.current ? { ...this.current } : null;
  }

  add(price: number, size: number, timestampUs: number): CandleStep {
    const start = bucketStart(timestampUs, this.interval);
    let closed: Candle | null = null;
    const current = this.current;
    if (current && start > current.startUs) {
      closed = withClosed(current, true);
      this.current = null;
    }
    if (!this.current) {
      this.current = { symbol: this.symbol, interval: this.interval, startUs: start, open: price, high: price, low: price, close: price, volume: size, count: 1, closed: false };
    } else {
      const c = this.current;
      c.high = Math.max(c.high, price);
      c.low = Math.min(c.low, price);
      c.close = price;
      c.volume += size;
      c.count += 1;
    }
    return { closed, forming: { ...this.current } };
  }

  /** Closes the forming candle once its bucket has ended by `nowUs`, with no price after it. */
  closeIfEnded(nowUs: number): Candle | null {
    const c = this.current;
    if (!c || nowUs < c.startUs + INTERVAL_US[this.interval]) return null;
    this.current = null;
    return withClosed(c, true);
  }
}
