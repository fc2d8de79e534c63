import { Injectable, Logger } from '@nestjs/common';
import type { OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { EventBus } from '../events/event-bus';
import { CandleRepository } from './candle.repository';
import { CANDLE_INTERVALS, CandleBuilder, candleKey, INTERVAL_US, withClosed } from './candles';
import type { Candle, CandleInterval } from './candles';
import { InstrumentsService } from './instruments.service';
import { nowMicros } from './quote';

/** Recent candles kept in memory per symbol and interval: the most a subscription's history may ask for. */
export const MAX_CANDLE_HISTORY = 1000;
const SWEEP_MS = 250;
const PERSIST_MS = 1000;
const RETENTION_SWEEP_MS = 10 * 60_000;

/**
 * Candles of every instrument at every interval, built as trades (or, for quote-built
 * instruments, quotes) are sequenced: the forming candle and the recent closed ones in
 * memory, each change announced as `candle.updated`. The sequencer (the single process, or
 * the cluster's active feed) also writes them to PostgreSQL — forming candles once a second,
 * so a restart resumes them — and applies retention. Every process builds from the same
 * sequenced stream, so a gateway's candles are the feed's.
 */
@Injectable()
export class CandlesService implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(CandlesService.name);
  private readonly builders = new Map<string, CandleBuilder>();
  private readonly recentClosed = new Map<string, Candle[]>();
  private dirty = new Map<string, Candle>();
  private persisting = false;
  private sequencer = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly unsubscribers: (() => void)[] = [];

  constructor(
    private readonly config: AppConfig,
    private readonly events: EventBus,
    private readonly instruments: InstrumentsService,
    private readonly repository: CandleRepository,
  ) {}

  onModuleInit(): void {
    this.unsubscribers.push(
      this.events.on('trade.published', (t) => {
        if (this.instruments.get(t.symbol)?.candleSource === 'trades') this.add(t.symbol, t.price, t.size, t.timestampUs);
      }),
      this.events.on('tick.published', (q) => {
        if (this.instruments.get(q.symbol)?.candleSource === 'quotes') this.add(q.symbol, q.lastPrice, 0, q.timestampUs);
      }),
      this.events.on('feed.leadership', ({ active }) => (this.sequencer = active)),
      this.events.on('market.instruments.reloaded', ({ symbol }) => this.drop(symbol)),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.resume();
    const every = (ms: number, work: () => void) => {
      const timer = setInterval(work, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(SWEEP_MS, () => this.closeEnded(nowMicros()));
    every(PERSIST_MS, () => void this.persist());
    every(RETENTION_SWEEP_MS, () => void this.applyRetention());
  }

  async onModuleDestroy(): Promise<void> {
    this.timers.forEach(clearInterval);
    this.unsubscribers.forEach((off) => off());
    await this.persist();
  }

  /** The forming candle, or null when none is forming. */
  forming(symbol: string, interval: CandleInterval): Candle | null {
    return this.builders.get(candleKey(symbol, interval))?.forming ?? null;
  }

  /** The newest `count` candles (closed ones, then the forming one), oldest first. */
  recent(symbol: string, interval: CandleInterval, count: number): Candle[] {
    const forming = this.forming(symbol, interval);
    const closed = this.recentClosed.get(candleKey(symbol, interval)) ?? [];
    const all = forming ? [...closed, forming] : closed;
    return all.slice(Math.max(0, all.length - count));
  }

  /**
   * Candles with fromUs <= start < toUs, oldest first: PostgreSQL, overlaid with what is in
   * memory and not written yet (the forming candle, closes of the last second).
   */
  async range(symbol: string, interval: CandleInterval, fromUs: number, toUs: number, limit: number): Promise<Candle[]> {
    const stored = await this.repository.range(symbol, interval, fromUs, toUs, limit);
    const byStart = new Map(stored.map((c) => [c.startUs, c]));
    for (const c of this.recent(symbol, interval, MAX_CANDLE_HISTORY)) {
      if (c.startUs >= fromUs && c.startUs < toUs) byStart.set(c.startUs, c);
    }
    return [...byStart.values()].sort((a, b) => a.startUs - b.startUs).slice(0, limit);
  }

  /** Writes what changed since the last write; only on the sequencer. */
  async persist(): Promise<void> {
    if (!this.sequencer || this.persisting || this.dirty.size === 0) return;
    this.persisting = true;
    const batch = this.dirty;
    this.dirty = new Map();
    try {
      await this.repository.upsert([...batch.values()]);
    } catch (error) {
      // Keep them for the next write, unless a newer state of the bucket arrived meanwhile.
      for (const [k, c] of batch) if (!this.dirty.has(k)) this.dirty.set(k, c);
      this.logger.warn(`candles not written: ${(error as Error).message}`);
    } finally {
      this.persisting = false;
    }
  }

  private add(symbol: string, price: number, size: number, timestampUs: number): void {
    for (const interval of CANDLE_INTERVALS) {
      const k = candleKey(symbol, interval);
      let builder = this.builders.get(k);
      if (!builder) this.builders.set(k, (builder = new CandleBuilder(symbol, interval)));
      const step = builder.add(price, size, timestampUs);
      if (step.closed) this.closed(k, step.closed);
      this.changed(k, step.forming);
    }
  }

  private closeEnded(nowUs: number): void {
    for (const [k, builder] of this.builders) {
      const closed = builder.closeIfEnded(nowUs);
      if (closed) this.closed(k, closed);
    }
  }

  private closed(k: string, candle: Candle): void {
    let ring = this.recentClosed.get(k);
    if (!ring) this.recentClosed.set(k, (ring = []));
    ring.push(candle);
    if (ring.length > MAX_CANDLE_HISTORY) ring.splice(0, ring.length - MAX_CANDLE_HISTORY);
    this.changed(k, candle);
  }

  private changed(k: string, candle: Candle): void {
    // A close and the next bucket's first state are two rows: both must be written.
    this.dirty.set(`${k}/${candle.startUs}`, candle);
    this.events.emit('candle.updated', candle);
  }

  /** Loads the recent candles of every instrument, so history and forming candles survive a restart. */
  private async resume(): Promise<void> {
    const nowUs = nowMicros();
    for (const { symbol } of this.instruments.all()) {
      for (const interval of CANDLE_INTERVALS) {
        const rows = await this.repository.recent(symbol, interval, MAX_CANDLE_HISTORY);
        const last = rows[rows.length - 1];
        const stillForming = last && nowUs < last.startUs + INTERVAL_US[interval];
        const k = candleKey(symbol, interval);
        if (this.builders.has(k)) continue; // prices arrived first: they win
        const closed = (stillForming ? rows.slice(0, -1) : rows).map((c) => withClosed(c, true));
        // A candle still forming when the last process stopped is closed now, and written so.
        for (const c of closed.slice(-1)) if (!rows[rows.length - 1].closed && !stillForming) this.dirty.set(`${k}/${c.startUs}`, c);
        if (closed.length > 0) this.recentClosed.set(k, closed);
        if (stillForming) this.builders.set(k, new CandleBuilder(symbol, interval, withClosed(last, false)));
      }
    }
  }

  private drop(symbol: string): void {
    if (this.instruments.get(symbol)) return;
    for (const interval of CANDLE_INTERVALS) {
      this.builders.delete(candleKey(symbol, interval));
      this.recentClosed.delete(candleKey(symbol, interval));
    }
  }

  private async applyRetention(): Promise<void> {
    if (!this.sequencer) return;
    const nowUs = nowMicros();
    const { CANDLE_RETENTION_1S_HOURS, CANDLE_RETENTION_1M_DAYS } = this.config.env;
    try {
      await this.repository.deleteOlder('1s', nowUs - CANDLE_RETENTION_1S_HOURS * 3_600_000_000);
      await this.repository.deleteOlder('1m', nowUs - CANDLE_RETENTION_1M_DAYS * 86_400_000_000);
    } catch (error) {
      this.logger.warn(`candle retention failed: ${(error as Error).message}`);
    }
  }
}
