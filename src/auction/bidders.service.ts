import { Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { AppConfig } from '../config/app-config';
import { AuctionRepository } from './auction.repository';
import type { BidderIdentity } from './auction.types';

const HANDLE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Who a connection bids as. Until authentication lands, a development identity is taken
 * from the handshake URL (`/v1/stream?bidder=alice`) when DEV_BIDDERS_ENABLED; it is
 * fixed for the connection's life, so a connection can never bid as anyone else.
 */
@Injectable()
export class BiddersService {
  constructor(
    private readonly config: AppConfig,
    private readonly repository: AuctionRepository,
  ) {}

  async identify(request: IncomingMessage): Promise<BidderIdentity | null> {
    if (!this.config.env.DEV_BIDDERS_ENABLED) return null;
    const handle = new URL(request.url ?? '/', 'http://localhost').searchParams.get('bidder');
    if (!handle || !HANDLE.test(handle)) return null;
    return this.repository.ensureBidder(handle);
  }

  ensure(handle: string): Promise<BidderIdentity> {
    return this.repository.ensureBidder(handle);
  }
}
