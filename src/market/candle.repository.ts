import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Candle, CandleInterval } from './candles';

interface CandleRow {
  symbol: string;
  interval: CandleInterval;
  start_at: Date;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  count: number;
  closed: boolean;
}

/** All candle SQL: batched upserts from the sequencer, range reads for REST and history. */
@Injectable()
export class CandleRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Writes candles (forming or closed) in one statement; a later state of a bucket replaces the earlier. */
  async upsert(candles: readonly Candle[]): Promise<void> {
    if (candles.length === 0) return;
    await this.dataSource.query(
      `INSERT INTO candles (symbol, interval, start_at, open, high, low, close, volume, count, closed)
       SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::timestamptz[], $4::bigint[], $5::bigint[], $6::bigint[],
                            $7::bigint[], $8::bigint[], $9::int[], $10::boolean[])
       ON CONFLICT ON CONSTRAINT pk_candles DO UPDATE
         SET open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, close = EXCLUDED.close,
             volume = EXCLUDED.volume, count = EXCLUDED.count, closed = EXCLUDED.closed`,
      [
        candles.map((c) => c.symbol),
        candles.map((c) => c.interval),
        candles.map((c) => new Date(c.startUs / 1000)),
        candles.map((c) => c.open),
        candles.map((c) => c.high),
        candles.map((c) => c.low),
        candles.map((c) => c.close),
        candles.map((c) => c.volume),
        candles.map((c) => c.count),
        candles.map((c) => c.closed),
      ],
    );
  }

  /** Candles with fromUs <= start < toUs, oldest first, at most `limit`. */
  async range(symbol: string, interval: CandleInterval, fromUs: number, toUs: number, limit: number): Promise<Candle[]> {
    const rows = await this.dataSource.query<CandleRow[]>(
      `SELECT symbol, interval, start_at, open, high, low, close, volume, count, closed FROM candles
        WHERE symbol = $1 AND interval = $2 AND start_at >= $3 AND start_at < $4
        ORDER BY start_at LIMIT $5`,
      [symbol, interval, new Date(fromUs / 1000), new Date(toUs / 1000), limit],
    );
    return rows.map(toCandle);
  }

  /** The newest `limit` candles of a symbol and interval, oldest first. */
  async recent(symbol: string, interval: CandleInterval, limit: number): Promise<Candle[]> {
    const rows = await this.dataSource.query<CandleRow[]>(
      `SELECT symbol, interval, start_at, open, high, low, close, volume, count, closed FROM candles
        WHERE symbol = $1 AND interval = $2 ORDER BY start_at DESC LIMIT $3`,
      [symbol, interval, limit],
    );
    return rows.map(toCandle).reverse();
  }

  /** Deletes candles of `interval` that started before `beforeUs`; returns how many. */
  async deleteOlder(interval: CandleInterval, beforeUs: number): Promise<number> {
    const result = await this.dataSource.query<[unknown, number]>(
      `DELETE FROM candles WHERE interval = $1 AND start_at < $2`,
      [interval, new Date(beforeUs / 1000)],
    );
    return result[1];
  }
}

function toCandle(r: CandleRow): Candle {
  return {
    symbol: r.symbol,
    interval: r.interval,
    startUs: r.start_at.getTime() * 1000,
    open: Number(r.open),
    high: Number(r.high),
    low: Number(r.low),
    close: Number(r.close),
    volume: Number(r.volume),
    count: r.count,
    closed: r.closed,
  };
}
