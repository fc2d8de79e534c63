import { Module } from '@nestjs/common';
import { AuctionModule } from '../auction/auction.module';
import { MarketModule } from '../market/market.module';
import { AuctionBotsService } from './auction-bots.service';
import { SimulatorService } from './simulator.service';

@Module({ imports: [MarketModule, AuctionModule], providers: [SimulatorService, AuctionBotsService], exports: [SimulatorService] })
export class SimulatorModule {}
