import { bucketStart, CandleBuilder } from './candles';
import type { Candle } from './candles';

const S = 1_000_000; // one second in µs
const T0 = 1_764_547_200 * S; // 2025-12-01T00:00:00Z, on every bucket boundary

function run(interval: Candle['interval'], trades: [price: number, size: number, atUs: number][]) {
  const builder = new CandleBuilder('BTC-USD', interval);
  const closed: Candle[] = [];
  for (const [price, size, at] of trades) {
    const step = builder.add(price, size, at);
    if (step.closed) closed.push(step.closed);
  }
  return { closed, forming: builder.forming };
}

const ohlcv = (c: Candle) => [c.startUs, c.open, c.high, c.low, c.close, c.volume, c.count, c.closed];

describe(CandleBuilder.name, () => {
  it('builds 1 s candles from a known trade sequence (hand-computed OHLCV)', () => {
    const { closed, forming } = run('1s', [
      [100, 2, T0 + 0.1 * S],
      [105, 1, T0 + 0.5 * S],
      [98, 3, T0 + 0.9 * S], // bucket T0: O 100 H 105 L 98 C 98, V 2+1+3 = 6, 3 trades
      [99, 5, T0 + 1.0 * S], // a trade exactly on the boundary opens the next bucket
      [101, 1, T0 + 3.2 * S], // T0+1 s holds one trade; T0+2 s had none and has no candle
    ]);
    expect(closed.map(ohlcv)).toEqual([
      [T0, 100, 105, 98, 98, 6, 3, true],
      [T0 + S, 99, 99, 99, 99, 5, 1, true],
    ]);
    expect(ohlcv(forming!)).toEqual([T0 + 3 * S, 101, 101, 101, 101, 1, 1, false]);
  });

  it('aggregates the same trades into one 1 m candle', () => {
    const { closed, forming } = run('1m', [
      [100, 2, T0 + 0.1 * S],
      [105, 1, T0 + 0.5 * S],
      [98, 3, T0 + 59.9 * S],
      [120, 1, T0 + 60 * S], // next minute
    ]);
    expect(closed.map(ohlcv)).toEqual([[T0, 100, 105, 98, 98, 6, 3, true]]);
    expect(ohlcv(forming!)).toEqual([T0 + 60 * S, 120, 120, 120, 120, 1, 1, false]);
  });

  it('folds a late trade into the forming candle instead of reopening a closed one', () => {
    const { closed, forming } = run('1s', [
      [100, 1, T0 + 1.5 * S],
      [90, 1, T0 + 0.5 * S], // timed in the previous bucket
    ]);
    expect(closed).toEqual([]);
    expect(ohlcv(forming!)).toEqual([T0 + S, 100, 100, 90, 90, 2, 2, false]);
  });

  it('closes a forming candle when its bucket has ended without another trade', () => {
    const builder = new CandleBuilder('AAPL', '1s');
    builder.add(100, 1, T0 + 0.2 * S);
    expect(builder.closeIfEnded(T0 + 0.99 * S)).toBeNull();
    expect(builder.closeIfEnded(T0 + S)).toMatchObject({ startUs: T0, close: 100, closed: true });
    expect(builder.forming).toBeNull();
  });

  it('resumes from a stored forming candle', () => {
    const builder = new CandleBuilder('AAPL', '1m', { symbol: 'AAPL', interval: '1m', startUs: T0, open: 10, high: 12, low: 9, close: 11, volume: 4, count: 2, closed: false });
    expect(ohlcv(builder.add(13, 1, T0 + 30 * S).forming)).toEqual([T0, 10, 13, 9, 13, 5, 3, false]);
  });
});

describe(bucketStart.name, () => {
  it.each([
    ['1s', T0 + 1.999 * S, T0 + S],
    ['5m', T0 + 299 * S, T0],
    ['5m', T0 + 300 * S, T0 + 300 * S],
    ['1h', T0 + 3599 * S, T0],
    ['1d', T0 + 86_399 * S, T0], // a day starts at 00:00 UTC
  ] as const)('%s bucket of %d starts at %d', (interval, at, start) => {
    expect(bucketStart(at, interval)).toBe(start);
  });
});
