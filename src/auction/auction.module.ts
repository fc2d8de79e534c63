import { Module } from '@nestjs/common';
import { AuctionLifecycleService } from './auction-lifecycle.service';
import { AuctionRepository } from './auction.repository';
import { AuctionsController } from './auctions.controller';
import { AuctionsService } from './auctions.service';
import { BiddersService } from './bidders.service';
import { BiddingService } from './bidding.service';

@Module({
  controllers: [AuctionsController],
  providers: [AuctionRepository, AuctionsService, BiddingService, BiddersService, AuctionLifecycleService],
  exports: [AuctionsService, BiddingService, BiddersService],
})
export class AuctionModule {}
