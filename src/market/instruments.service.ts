import { Injectable, Logger } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { InstrumentEntity } from './instrument.entity';
import type { InstrumentInfo } from './quote';

/** The instrument catalogue, read from PostgreSQL at start and served from memory. */
@Injectable()
export class InstrumentsService implements OnModuleInit {
  private readonly logger = new Logger(InstrumentsService.name);
  private bySymbol = new Map<string, InstrumentInfo>();

  constructor(@InjectRepository(InstrumentEntity) private readonly repository: Repository<InstrumentEntity>) {}

  async onModuleInit(): Promise<void> {
    await this.reload();
  }

  async reload(): Promise<void> {
    const rows = await this.repository.find({ where: { active: true }, order: { symbol: 'ASC' } });
    this.bySymbol = new Map(
      rows.map((r) => [
        r.symbol,
        {
          symbol: r.symbol,
          displayName: r.displayName,
          priceScale: r.priceScale,
          tickSize: r.tickSize,
          sizeScale: r.sizeScale,
          lotSize: r.lotSize,
          quoteCurrency: r.quoteCurrency,
        },
      ]),
    );
    this.logger.log(`loaded ${this.bySymbol.size} instruments`);
  }

  get(symbol: string): InstrumentInfo | undefined {
    return this.bySymbol.get(symbol);
  }

  all(): InstrumentInfo[] {
    return [...this.bySymbol.values()];
  }
}
