import { Injectable, Logger } from '@nestjs/common';
import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import { EventBus } from '../events/event-bus';
import { InstrumentEntity } from './instrument.entity';
import { parseSource, sourceName } from './quote';
import type { InstrumentInfo, PriceSource } from './quote';

export type NewInstrument = Omit<InstrumentInfo, 'candleSource'> & { candleSource?: InstrumentInfo['candleSource']; source?: PriceSource };

/**
 * The instrument catalogue, read from PostgreSQL at start and served from memory, with each
 * instrument's active price source. Changes made through the admin API are written to
 * PostgreSQL and announced (`market.instruments.changed`, across a cluster), and every
 * process reloads its copy.
 */
@Injectable()
export class InstrumentsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(InstrumentsService.name);
  private bySymbol = new Map<string, InstrumentInfo>();
  private sources = new Map<string, PriceSource>();
  /** Symbols a replay (REPLAY_FILE) publishes on this process, whatever the catalogue says. */
  private readonly replayed = new Set<string>();
  private unsubscribe?: () => void;

  constructor(
    @InjectRepository(InstrumentEntity) private readonly repository: Repository<InstrumentEntity>,
    private readonly events: EventBus,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.reload();
    // Changes made on other processes of a cluster (this process's own are applied before they are announced).
    this.unsubscribe = this.events.on('market.instruments.changed', (change) => {
      this.apply(change).catch((error: Error) => this.logger.error(`instrument catalogue not reloaded: ${error.message}`));
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  async reload(): Promise<void> {
    const rows = await this.repository.find({ where: { active: true }, order: { symbol: 'ASC' } });
    this.bySymbol = new Map(rows.map((r) => [r.symbol, toInfo(r)]));
    this.sources = new Map(rows.map((r) => [r.symbol, this.replayed.has(r.symbol) ? 'replay' : parseSource(r.source)]));
    this.logger.log(`loaded ${this.bySymbol.size} instruments`);
  }

  private async apply(change: { symbol: string; retired: boolean }): Promise<void> {
    await this.reload();
    this.events.emit('market.instruments.reloaded', change);
  }

  /** Applies a change here, then announces it to every process (which reload too; reloading is idempotent). */
  private async changed(change: { symbol: string; retired: boolean }): Promise<void> {
    await this.apply(change);
    this.events.emit('market.instruments.changed', change);
  }

  get(symbol: string): InstrumentInfo | undefined {
    return this.bySymbol.get(symbol);
  }

  all(): InstrumentInfo[] {
    return [...this.bySymbol.values()];
  }

  /** The active source of a live instrument (undefined: not in the catalogue). */
  sourceOf(symbol: string): PriceSource | undefined {
    return this.sources.get(symbol);
  }

  /** Makes a replay the source of these live symbols on this process (it replaces the simulator there). */
  claimForReplay(symbols: readonly string[]): string[] {
    const claimed = symbols.filter((s) => this.bySymbol.has(s));
    for (const symbol of claimed) {
      this.replayed.add(symbol);
      this.sources.set(symbol, 'replay');
    }
    return claimed;
  }

  /** Adds an instrument (or brings a retired one back with new terms). False: it is live already. */
  async add(instrument: NewInstrument): Promise<boolean> {
    const existing = await this.repository.findOne({ where: { symbol: instrument.symbol } });
    if (existing?.active) return false;
    try {
      await this.repository.save(
        Object.assign({}, instrument, {
          candleSource: instrument.candleSource ?? 'trades',
          source: sourceName(instrument.source ?? 'simulator'),
          active: true,
          retiredAt: null,
        }),
      );
    } catch (error) {
      if (error instanceof QueryFailedError) return false; // a concurrent add won
      throw error;
    }
    await this.changed({ symbol: instrument.symbol, retired: false });
    return true;
  }

  /** Retires a live instrument; its streams end. False: no such live instrument. */
  async retire(symbol: string): Promise<boolean> {
    const result = await this.repository.update({ symbol, active: true }, { active: false, retiredAt: new Date() });
    if (!result.affected) return false;
    await this.changed({ symbol, retired: true });
    return true;
  }

  /** Makes `source` the one source allowed to publish the instrument. False: no such live instrument. */
  async setSource(symbol: string, source: PriceSource): Promise<boolean> {
    const result = await this.repository.update({ symbol, active: true }, { source: sourceName(source) });
    if (!result.affected) return false;
    await this.changed({ symbol, retired: false });
    return true;
  }
}

function toInfo(r: InstrumentEntity): InstrumentInfo {
  return {
    symbol: r.symbol,
    displayName: r.displayName,
    priceScale: r.priceScale,
    tickSize: r.tickSize,
    sizeScale: r.sizeScale,
    lotSize: r.lotSize,
    quoteCurrency: r.quoteCurrency,
    candleSource: r.candleSource,
  };
}
