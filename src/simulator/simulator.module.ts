import { Module } from '@nestjs/common';
import { MarketModule } from '../market/market.module';
import { SimulatorService } from './simulator.service';

@Module({ imports: [MarketModule], providers: [SimulatorService], exports: [SimulatorService] })
export class SimulatorModule {}
