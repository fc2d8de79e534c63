import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { pb } from '../wire/messages';

// POST /v1/publish in JSON, for the OpenAPI document: bidtape.v1.PublishRequest and PublishAck
// (proto/bidtape/v1/ingest.proto) in the protobuf JSON mapping the endpoint reads and writes.

const INT64 = '64-bit integer: a JSON number or a decimal string';

/** An enum's names but the zero value, which the server never sends. */
function namesOf(values: Record<string, string | number>): string[] {
  return Object.keys(values).filter((name) => typeof values[name] === 'number' && values[name] !== 0);
}

export class PublishedQuoteDto {
  @ApiProperty({ example: 'ACME' })
  symbol!: string;

  @ApiProperty({ type: 'integer', format: 'int64', description: `Minor units, on the tick size (${INT64})`, example: 18342 })
  bidPrice!: number;

  @ApiProperty({ type: 'integer', format: 'int64', description: `Minor units, on the tick size, at least bidPrice (${INT64})`, example: 18346 })
  askPrice!: number;

  @ApiProperty({ type: 'integer', format: 'int64', description: `Size units, on the lot size (${INT64})`, example: 300 })
  bidSize!: number;

  @ApiProperty({ type: 'integer', format: 'int64', description: `Size units, on the lot size (${INT64})`, example: 500 })
  askSize!: number;

  @ApiPropertyOptional({
    type: 'integer', format: 'int64',
    description: `When the source saw it, microseconds since the epoch, within PUBLISH_MAX_SKEW_MS of the server's clock; 0 or absent: the receive time (${INT64})`,
    example: 0,
  })
  timestampUs?: number;
}

export class PublishedTradeDto {
  @ApiProperty({ example: 'ACME' })
  symbol!: string;

  @ApiProperty({ description: "The source's id of the trade, 1-64 printable characters", example: 'T-20261201-000123' })
  tradeId!: string;

  @ApiProperty({ type: 'integer', format: 'int64', description: `Minor units, on the tick size (${INT64})`, example: 18346 })
  price!: number;

  @ApiProperty({ type: 'integer', format: 'int64', description: `Size units, on the lot size (${INT64})`, example: 100 })
  size!: number;

  @ApiProperty({
    oneOf: [{ type: 'string', enum: namesOf(pb.Side) }, { type: 'integer', enum: [pb.Side.SIDE_BUY, pb.Side.SIDE_SELL] }],
    description: 'bidtape.v1.Side by name or by number (the protobuf JSON mapping takes either): SIDE_BUY (1, the buyer crossed the spread) or SIDE_SELL (2)',
    example: 'SIDE_BUY',
  })
  aggressorSide!: string | number;

  @ApiPropertyOptional({ type: 'integer', format: 'int64', description: `As in a quote (${INT64})`, example: 0 })
  timestampUs?: number;
}

export class PublishRequestDto {
  @ApiPropertyOptional({ type: [PublishedQuoteDto], description: 'Applied first, in order' })
  quotes?: PublishedQuoteDto[];

  @ApiPropertyOptional({ type: [PublishedTradeDto], description: 'Applied after the quotes, in order' })
  trades?: PublishedTradeDto[];
}

export class PublishRejectionDto {
  @ApiProperty({ enum: namesOf(pb.PublishItemKind), description: 'Which list of the request', example: 'PUBLISH_ITEM_KIND_QUOTE' })
  kind!: string;

  @ApiProperty({ type: 'integer', description: 'Index of the item within its list', example: 0 })
  index!: number;

  @ApiProperty({ enum: namesOf(pb.PublishRejectReason), description: 'Switch on this (docs/protocol.md, "Publishing")', example: 'PUBLISH_REJECT_REASON_OFF_TICK' })
  reason!: string;

  @ApiProperty({ description: 'For people; wording may change', example: 'bidPrice 18342 is not a multiple of the tick size 5' })
  message!: string;
}

export class PublishAckDto {
  @ApiProperty({ type: 'integer', description: 'Always 0 over REST', example: 0 })
  requestId!: number;

  @ApiProperty({ type: 'integer', description: 'Items sequenced and delivered (in a cluster: handed to the active feed)', example: 1 })
  accepted!: number;

  @ApiPropertyOptional({ type: [PublishRejectionDto], description: 'The items refused, each with why; absent when none was' })
  rejected?: PublishRejectionDto[];
}
