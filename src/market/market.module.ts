import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CandleRepository } from './candle.repository';
import { CandlesService } from './candles.service';
import { IngestService } from './ingest.service';
import { InstrumentEntity } from './instrument.entity';
import { AdminInstrumentsController, InstrumentsController } from './instruments.controller';
import { InstrumentsService } from './instruments.service';
import { MarketDataService } from './market-data.service';

@Module({
  imports: [TypeOrmModule.forFeature([InstrumentEntity]), AuthModule],
  controllers: [InstrumentsController, AdminInstrumentsController],
  providers: [InstrumentsService, MarketDataService, CandleRepository, CandlesService, IngestService],
  exports: [InstrumentsService, MarketDataService, CandlesService, IngestService],
})
export class MarketModule {}
