import { ApiProperty, OmitType } from '@nestjs/swagger';
import { CANDLE_INTERVALS } from '../candles';
import type { CandleInterval } from '../candles';
import type { InstrumentInfo } from '../quote';
import { CreateInstrumentDto } from './instrument.dto';

// What the instruments API answers, for the OpenAPI document and as the controller's types.

export class InstrumentInfoDto extends OmitType(CreateInstrumentDto, ['candleSource'] as const) implements InstrumentInfo {
  @ApiProperty({ enum: ['trades', 'quotes'], description: 'What candles are built from', example: 'trades' })
  candleSource!: 'trades' | 'quotes';
}

export class InstrumentViewDto extends InstrumentInfoDto {
  @ApiProperty({
    enum: ['simulator', 'replay', 'publisher'],
    description: "Who publishes its prices now (a publisher's key id is not disclosed)",
    example: 'publisher',
  })
  source!: 'simulator' | 'replay' | 'publisher';
}

const PRICE = { type: 'integer', description: 'Minor units' } as const;

export class CandleViewDto {
  @ApiProperty({ format: 'date-time', description: 'Bucket start', example: '2026-12-01T14:31:00.000Z' })
  start!: string;

  @ApiProperty({ type: 'integer', description: 'Bucket start, microseconds since the epoch', example: 1796135460000000 })
  startTimeUs!: number;

  @ApiProperty({ example: 18342, ...PRICE })
  open!: number;

  @ApiProperty({ example: 18361, ...PRICE })
  high!: number;

  @ApiProperty({ example: 18337, ...PRICE })
  low!: number;

  @ApiProperty({ example: 18355, ...PRICE })
  close!: number;

  @ApiProperty({ type: 'integer', description: 'Traded size, in size units', example: 4200 })
  volume!: number;

  @ApiProperty({ type: 'integer', description: 'Trades (or quotes) in the bucket', example: 37 })
  count!: number;

  @ApiProperty({ description: 'False for the forming candle, which may still change', example: true })
  closed!: boolean;
}

export class CandleHistoryDto {
  @ApiProperty({ example: 'ACME' })
  symbol!: string;

  @ApiProperty({ enum: CANDLE_INTERVALS, example: '1m' })
  interval!: CandleInterval;

  @ApiProperty({ type: [CandleViewDto], description: 'Oldest first' })
  candles!: CandleViewDto[];

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'The `from` of the next page; null on the last', example: '2026-12-01T14:32:00.000Z' })
  next!: string | null;
}
