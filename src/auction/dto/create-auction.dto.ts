import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsArray, IsDateString, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateNested,
} from 'class-validator';

const MAX_MONEY = Number.MAX_SAFE_INTEGER;

export class IncrementBandDto {
  @ApiPropertyOptional({ description: 'Band applies while the price is below this (minor units); null for the last band', nullable: true, type: 'integer', example: 200000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_MONEY)
  upTo!: number | null;

  @ApiProperty({ type: 'integer', description: 'Increment in minor units', example: 2500 })
  @IsInt()
  @Min(1)
  @Max(MAX_MONEY)
  increment!: number;
}

export class CreateAuctionDto {
  @ApiProperty({ example: 'Leica M6, 1986, boxed' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  title!: string;

  @ApiPropertyOptional({ example: 'Serviced in 2025. Light brassing on the top plate.' })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  description?: string;

  @ApiPropertyOptional({ description: 'Handle of the selling bidder; the seller cannot bid', example: 'alice' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/)
  sellerHandle?: string;

  @ApiProperty({ description: 'ISO 4217 code', example: 'EUR' })
  @Matches(/^[A-Z]{3}$/)
  currency!: string;

  @ApiPropertyOptional({ type: 'integer', description: 'Decimal places of amounts (2: amounts are cents)', default: 2, example: 2 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(6)
  priceScale?: number;

  @ApiProperty({ type: 'integer', description: 'First bid must be at least this, minor units', example: 150000 })
  @IsInt()
  @Min(1)
  @Max(MAX_MONEY)
  startingPrice!: number;

  @ApiPropertyOptional({ type: 'integer', description: 'Hidden reserve price, minor units; never shown to bidders', example: 200000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_MONEY)
  reservePrice?: number;

  @ApiPropertyOptional({
    type: [IncrementBandDto],
    description: 'Bid increment table; default: 0.50 below 20, 1 below 200, 5 below 1,000, 10 below 5,000, 50 below 25,000, 100 above (for scale 2)',
    example: [{ upTo: 200000, increment: 2500 }, { upTo: null, increment: 5000 }],
  })
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => IncrementBandDto)
  increments?: IncrementBandDto[];

  @ApiPropertyOptional({ description: 'Start time (ISO 8601); default now', example: '2026-11-23T10:00:00Z' })
  @IsOptional()
  @IsDateString()
  startAt?: string;

  @ApiProperty({ description: 'Scheduled end (ISO 8601), after startAt', example: '2026-11-23T12:00:00Z' })
  @IsDateString()
  endAt!: string;

  @ApiPropertyOptional({ type: 'integer', description: 'A bid in the last N seconds extends the end', default: 60, example: 60 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3600)
  softCloseWindowSeconds?: number;

  @ApiPropertyOptional({ type: 'integer', description: '...to the bid time plus N seconds', default: 60, example: 60 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3600)
  softCloseExtensionSeconds?: number;
}
