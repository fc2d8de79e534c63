import { forwardRef, Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AuctionLifecycleService } from './auction-lifecycle.service';
import { AuctionRepository } from './auction.repository';
import { AuctionsController } from './auctions.controller';
import { AuctionsService } from './auctions.service';
import { BiddersService } from './bidders.service';
import { BiddingService } from './bidding.service';
import { Clock } from './clock';

@Module({
  imports: [forwardRef(() => AuthModule)],
  controllers: [AuctionsController],
  providers: [AuctionRepository, AuctionsService, BiddingService, BiddersService, AuctionLifecycleService, Clock],
  exports: [AuctionsService, BiddingService, BiddersService, Clock],
})
export class AuctionModule {}
