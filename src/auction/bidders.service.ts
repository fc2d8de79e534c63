import { Injectable } from '@nestjs/common';
import { AuctionRepository } from './auction.repository';
import type { BidderIdentity } from './auction.types';

/** Bidder identities (handle and public pseudonym), created on first use. */
@Injectable()
export class BiddersService {
  constructor(private readonly repository: AuctionRepository) {}

  ensure(handle: string): Promise<BidderIdentity> {
    return this.repository.ensureBidder(handle);
  }
}
