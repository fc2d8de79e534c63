import { Injectable, Logger } from '@nestjs/common';
import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { EventBus } from '../events/event-bus';
import { InstrumentsService } from '../market/instruments.service';
import { MarketDataService } from '../market/market-data.service';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { PriceModel } from './price-model';
import type { SimulatedQuote } from './price-model';
import { DEFAULT_PRICE_PROFILES, FALLBACK_PRICE_PROFILE } from './price-profiles';

/** How often the pacing loop wakes; ticks due since the last wake are published together. */
const PACE_MS = 5;
/** After a stall (GC, busy CPU) publish at most this much backlog, then skip the rest. */
const MAX_BACKLOG_SECONDS = 0.25;

/**
 * Drives the seeded {@link PriceModel} at the configured total rate and publishes each
 * quote to the market. Prices depend only on the seed and configuration; wall-clock
 * jitter changes when a tick is published, never which prices come out. Runs only while this
 * process is the active feed (always, for a single process).
 */
@Injectable()
export class SimulatorService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SimulatorService.name);
  private timer?: NodeJS.Timeout;
  private model?: PriceModel;
  private tradeRng?: RandomGenerator;
  private tradeCount = 0;
  private startedAt = 0;
  private published = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly instruments: InstrumentsService,
    private readonly market: MarketDataService,
    private readonly events: EventBus,
  ) {}

  onModuleInit(): void {
    this.events.on('feed.leadership', ({ active }) => {
      if (!this.config.env.SIM_ENABLED) return;
      if (active) this.start();
      else this.stop();
    });
  }

  onApplicationShutdown(): void {
    this.stop();
  }

  start(): void {
    if (this.timer) return;
    if (this.config.env.REPLAY_FILE) {
      this.logger.log('prices come from the replay (REPLAY_FILE): the price simulator is off');
      return;
    }
    const { SIM_SEED, SIM_TICKS_PER_SECOND, SIM_TIME_ACCELERATION, SIM_SYMBOLS } = this.config.env;
    const wanted = SIM_SYMBOLS ? new Set(SIM_SYMBOLS) : undefined;
    const instruments = this.instruments
      .all()
      .filter((i) => !wanted || wanted.has(i.symbol))
      .map((i) => Object.assign({}, i, { profile: DEFAULT_PRICE_PROFILES[i.symbol] ?? FALLBACK_PRICE_PROFILE }));
    if (instruments.length === 0) {
      this.logger.warn('simulator has no instruments to run (check SIM_SYMBOLS)');
      return;
    }
    this.model = new PriceModel({
      seed: SIM_SEED,
      instruments,
      ticksPerSecond: SIM_TICKS_PER_SECOND,
      timeAcceleration: SIM_TIME_ACCELERATION,
    });
    // Trades come from their own seeded stream, so adding them left the quotes unchanged.
    this.tradeRng = xoroshiro128plus(SIM_SEED ^ 0x7a3d);
    this.startedAt = performance.now();
    this.published = 0;
    this.timer = setInterval(() => this.pace(), PACE_MS);
    this.logger.log(
      `simulating ${instruments.length} instruments at ${SIM_TICKS_PER_SECOND} ticks/s (seed ${SIM_SEED})`,
    );
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private pace(): void {
    const rate = this.config.env.SIM_TICKS_PER_SECOND;
    const due = Math.floor(((performance.now() - this.startedAt) / 1000) * rate);
    const backlogLimit = Math.max(1, Math.ceil(rate * MAX_BACKLOG_SECONDS));
    if (due - this.published > backlogLimit) this.published = due - backlogLimit;
    for (; this.published < due; this.published++) this.emit(this.model!.next());
  }

  /**
   * Publishes a simulated quote, and for instruments whose candles come from trades, a trade at
   * the quote's last price for SIM_TRADE_PERCENT of them (a buy when it printed at the ask side
   * of the mid). Symbols another source publishes are skipped.
   */
  private emit(quote: SimulatedQuote): void {
    if (this.instruments.sourceOf(quote.symbol) !== 'simulator') return;
    this.market.publish(quote);
    const instrument = this.instruments.get(quote.symbol);
    const rng = this.tradeRng!;
    if (instrument?.candleSource !== 'trades' || uniformInt(rng, 1, 100) > this.config.env.SIM_TRADE_PERCENT) return;
    const side = quote.lastPrice * 2 >= quote.bidPrice + quote.askPrice ? 'buy' : 'sell';
    const size = uniformInt(rng, 1, 20) * instrument.lotSize;
    this.market.publishTrade({ symbol: quote.symbol, tradeId: `sim-${++this.tradeCount}`, price: quote.lastPrice, size, side, timestampUs: 0 });
  }
}
