import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Length, Matches, Max, Min, ValidateIf } from 'class-validator';
import { CANDLE_INTERVALS } from '../candles';
import type { CandleInterval } from '../candles';

export class CreateInstrumentDto {
  @ApiProperty({ example: 'ACME', description: 'Upper case letters, digits, ".", "_", "-"; at most 32' })
  @Matches(/^[A-Z0-9][A-Z0-9._-]{0,31}$/)
  symbol!: string;

  @ApiProperty({ example: 'Acme Corporation' })
  @IsString()
  @Length(1, 200)
  displayName!: string;

  @ApiProperty({ type: 'integer', example: 2, description: 'Decimal places of prices' })
  @IsInt()
  @Min(0)
  @Max(12)
  priceScale!: number;

  @ApiProperty({ type: 'integer', example: 1, description: 'Smallest price increment, in minor units' })
  @IsInt()
  @Min(1)
  @Max(1e15)
  tickSize!: number;

  @ApiProperty({ type: 'integer', example: 0, description: 'Decimal places of sizes' })
  @IsInt()
  @Min(0)
  @Max(12)
  sizeScale!: number;

  @ApiProperty({ type: 'integer', example: 1, description: 'Smallest size increment, in size units' })
  @IsInt()
  @Min(1)
  @Max(1e15)
  lotSize!: number;

  @ApiProperty({ example: 'USD' })
  @Matches(/^[A-Z0-9]{2,12}$/)
  quoteCurrency!: string;

  @ApiPropertyOptional({ enum: ['trades', 'quotes'], default: 'trades', description: 'What candles are built from', example: 'trades' })
  @IsOptional()
  @IsIn(['trades', 'quotes'])
  candleSource?: 'trades' | 'quotes';
}

export class SetSourceDto {
  @ApiProperty({ enum: ['simulator', 'publisher'], example: 'publisher' })
  @IsIn(['simulator', 'publisher'])
  source!: 'simulator' | 'publisher';

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'With source "publisher": the id of an API key with feed:publish for this symbol',
    example: '3f6c2a9e-7d41-4b8a-9c0e-5a1b2c3d4e5f',
  })
  @ValidateIf((o: SetSourceDto) => o.source === 'publisher')
  @IsUUID()
  keyId?: string;
}

export class CandleQuery {
  @ApiProperty({ enum: CANDLE_INTERVALS })
  @IsIn(CANDLE_INTERVALS)
  interval!: CandleInterval;

  @ApiPropertyOptional({ description: 'ISO 8601 time; candles starting at or after it. Default: `to` minus `limit` intervals' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'ISO 8601 time; candles starting before it. Default: now (the forming candle included)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({ type: 'integer', default: 500, minimum: 1, maximum: 5000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5000)
  limit?: number;
}
