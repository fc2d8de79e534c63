import { ApiProperty } from '@nestjs/swagger';
import type { AuctionView, BidView } from '../auctions.service';

// What the REST API answers, for the OpenAPI document. The examples tell one story: a lot
// starting at 1,500.00 EUR, a bid of 1,625.00 in the soft-close window, the next step 25.00.

export class AuctionViewDto implements AuctionView {
  @ApiProperty({ format: 'uuid', example: '5b0f3c1e-8a2d-4c47-9e61-2f3d4a5b6c7d' })
  id!: string;

  @ApiProperty({ example: 'Leica M6, 1986, boxed' })
  title!: string;

  @ApiProperty({ description: 'ISO 4217 code', example: 'EUR' })
  currency!: string;

  @ApiProperty({ type: 'integer', description: 'Decimal places of amounts (2: amounts are cents)', example: 2 })
  priceScale!: number;

  @ApiProperty({ enum: ['scheduled', 'open', 'closed'], example: 'open' })
  status!: 'scheduled' | 'open' | 'closed';

  @ApiProperty({ type: 'integer', description: 'Minor units', example: 150000 })
  startingPrice!: number;

  @ApiProperty({ type: 'integer', description: 'The leading price, minor units; 0 before the first bid', example: 162500 })
  currentPrice!: number;

  @ApiProperty({ type: String, nullable: true, description: "The leader's pseudonym; null before the first bid", example: 'bidder-1a2b3c4d' })
  leader!: string | null;

  @ApiProperty({ type: 'integer', example: 7 })
  bidCount!: number;

  @ApiProperty({ type: 'integer', description: 'Seq of the last bid entry (watch the stream from here)', example: 7 })
  lastSeq!: number;

  @ApiProperty({ type: 'integer', description: 'The least a new bid may be, minor units', example: 165000 })
  nextMinimum!: number;

  @ApiProperty({ description: 'Whether there is a reserve price (never its amount)', example: true })
  hasReserve!: boolean;

  @ApiProperty({ description: 'Whether the leading price meets the reserve (true without one)', example: false })
  reserveMet!: boolean;

  @ApiProperty({ format: 'date-time', example: '2026-11-23T10:00:00.000Z' })
  startAt!: string;

  @ApiProperty({ format: 'date-time', description: 'The end now, after soft-close extensions', example: '2026-11-23T12:00:40.000Z' })
  endAt!: string;

  @ApiProperty({ format: 'date-time', description: 'The end it was created with', example: '2026-11-23T12:00:00.000Z' })
  scheduledEndAt!: string;

  @ApiProperty({ type: 'integer', example: 60 })
  softCloseWindowSeconds!: number;

  @ApiProperty({ type: 'integer', example: 60 })
  softCloseExtensionSeconds!: number;

  @ApiProperty({ type: String, nullable: true, description: "The winner's pseudonym once closed; null until then, and when nobody bid or the reserve was not met", example: null })
  winner!: string | null;
}

export class BidViewDto implements BidView {
  @ApiProperty({ type: 'integer', description: "Position in the auction's history, from 1", example: 7 })
  seq!: number;

  @ApiProperty({ description: "The bidder's pseudonym", example: 'bidder-1a2b3c4d' })
  bidder!: string;

  @ApiProperty({ enum: ['bid', 'proxy'], description: "`proxy`: made by the server for a leader's confidential maximum", example: 'bid' })
  kind!: 'bid' | 'proxy';

  @ApiProperty({ type: 'integer', description: 'The amount bid, minor units', example: 162500 })
  amount!: number;

  @ApiProperty({ type: 'integer', description: 'The leading price after it, minor units', example: 162500 })
  price!: number;

  @ApiProperty({ description: "The leader's pseudonym after it", example: 'bidder-1a2b3c4d' })
  leader!: string;

  @ApiProperty({ type: 'integer', example: 165000 })
  nextMinimum!: number;

  @ApiProperty({ example: false })
  reserveMet!: boolean;

  @ApiProperty({ description: 'Whether it extended the end (soft close)', example: true })
  extended!: boolean;

  @ApiProperty({ format: 'date-time', description: 'The end after it', example: '2026-11-23T12:00:40.000Z' })
  endAt!: string;

  @ApiProperty({ format: 'date-time', description: "The server's receive time, the only clock the rules use", example: '2026-11-23T11:59:40.118Z' })
  receivedAt!: string;
}

export class BidHistoryDto {
  @ApiProperty({ type: [BidViewDto] })
  bids!: BidViewDto[];

  @ApiProperty({ type: 'integer', nullable: true, description: 'The `afterSeq` of the next page; null on the last', example: null })
  nextAfterSeq!: number | null;
}
