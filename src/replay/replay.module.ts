import { Module } from '@nestjs/common';
import { MarketModule } from '../market/market.module';
import { ReplayService } from './replay.service';

/** Replaying a recording as the source of prices (REPLAY_FILE). */
@Module({ imports: [MarketModule], providers: [ReplayService] })
export class ReplayModule {}
