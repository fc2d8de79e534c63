import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { InstrumentEntity } from './instrument.entity';
import { InstrumentsService } from './instruments.service';
import { MarketDataService } from './market-data.service';

@Module({
  imports: [TypeOrmModule.forFeature([InstrumentEntity])],
  providers: [InstrumentsService, MarketDataService],
  exports: [InstrumentsService, MarketDataService],
})
export class MarketModule {}
