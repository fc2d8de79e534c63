import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SellerOrAdmin } from '../auth/api-auth';
import { ApiErrors, BODY_ERRORS } from '../http/api-errors';
import { AuctionErrorCode } from './auction-errors';
import { AuctionsService } from './auctions.service';
import type { AuctionView, BidView } from './auctions.service';
import { AuctionViewDto, BidHistoryDto } from './dto/auction-view.dto';
import { CreateAuctionDto } from './dto/create-auction.dto';
import { BidHistoryQuery, ListAuctionsQuery } from './dto/list-query.dto';

@ApiTags('auctions')
@Controller('v1/auctions')
export class AuctionsController {
  constructor(private readonly auctions: AuctionsService) {}

  @Post()
  @SellerOrAdmin()
  @ApiOperation({ operationId: 'createAuction', summary: 'Creates an auction, as the seller (or, with the admin token, for any seller)' })
  @ApiCreatedResponse({ type: AuctionViewDto, description: 'The auction as bidders see it (the reserve price is never returned)' })
  @ApiErrors(...BODY_ERRORS, AuctionErrorCode.InvalidIncrements, AuctionErrorCode.InvalidSchedule, AuctionErrorCode.InvalidReserve, { invalid: ['startingPrice must be an integer number'] })
  create(@Body() dto: CreateAuctionDto): Promise<AuctionView> {
    return this.auctions.create(dto);
  }

  @Get()
  @ApiOperation({ operationId: 'listAuctions', summary: 'Lists auctions' })
  @ApiOkResponse({ type: [AuctionViewDto], description: 'Auctions ordered by end time' })
  @ApiErrors({ invalid: ['limit must not be greater than 200'] })
  list(@Query() query: ListAuctionsQuery): Promise<AuctionView[]> {
    return this.auctions.list(query.status, query.limit, query.offset, query.seller);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getAuction', summary: 'One auction' })
  @ApiOkResponse({ type: AuctionViewDto, description: 'The auction' })
  @ApiErrors(AuctionErrorCode.AuctionNotFound)
  get(@Param('id') id: string): Promise<AuctionView> {
    return this.auctions.get(id);
  }

  @Get(':id/bids')
  @ApiOperation({ operationId: 'listBids', summary: "A page of an auction's bid history" })
  @ApiOkResponse({ type: BidHistoryDto, description: 'Bid history in seq order, paged by afterSeq; nextAfterSeq is null on the last page' })
  @ApiErrors(AuctionErrorCode.AuctionNotFound, { invalid: ['afterSeq must not be less than 0'] })
  history(@Param('id') id: string, @Query() query: BidHistoryQuery): Promise<{ bids: BidView[]; nextAfterSeq: number | null }> {
    return this.auctions.history(id, query.afterSeq, query.limit);
  }
}
