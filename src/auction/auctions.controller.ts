import { Body, Controller, Get, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { SellerGuard } from '../auth/seller.guard';
import { AuctionsService } from './auctions.service';
import type { AuctionView, BidView } from './auctions.service';
import { CreateAuctionDto } from './dto/create-auction.dto';
import { BidHistoryQuery, ListAuctionsQuery } from './dto/list-query.dto';

@ApiTags('auctions')
@Controller('v1/auctions')
export class AuctionsController {
  constructor(private readonly auctions: AuctionsService) {}

  @Post()
  @UseGuards(SellerGuard)
  @ApiBearerAuth()
  @ApiCreatedResponse({ description: 'The auction as bidders see it (the reserve price is never returned)' })
  @ApiUnauthorizedResponse({ description: 'No seller credential (auction:write) and not the admin token' })
  @ApiForbiddenResponse({ description: 'Credentials without auction:write, or a sellerHandle other than your own' })
  create(@Body() dto: CreateAuctionDto): Promise<AuctionView> {
    return this.auctions.create(dto);
  }

  @Get()
  @ApiOkResponse({ description: 'Auctions ordered by end time' })
  list(@Query() query: ListAuctionsQuery): Promise<AuctionView[]> {
    return this.auctions.list(query.status, query.limit, query.offset, query.seller);
  }

  @Get(':id')
  @ApiNotFoundResponse({ description: 'No such auction' })
  get(@Param('id') id: string): Promise<AuctionView> {
    return this.auctions.get(id);
  }

  @Get(':id/bids')
  @ApiOkResponse({ description: 'Bid history in seq order, paged by afterSeq; nextAfterSeq is null on the last page' })
  history(@Param('id') id: string, @Query() query: BidHistoryQuery): Promise<{ bids: BidView[]; nextAfterSeq: number | null }> {
    return this.auctions.history(id, query.afterSeq, query.limit);
  }
}
