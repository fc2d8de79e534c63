import { ApiProperty } from '@nestjs/swagger';
import type { BidderIdentity } from '../../auction/auction.types';
import type { ApiKeyRecord } from '../api-keys.service';
import { ALL_SCOPES } from '../principal';
import type { Scope } from '../principal';

// What the admin keys API answers, for the OpenAPI document.

export class KeyBidderDto implements BidderIdentity {
  @ApiProperty({ format: 'uuid', example: '9fee56d5-71de-4e31-8d92-71e933985672' })
  id!: string;

  @ApiProperty({ example: 'key-Xq3vK9mT2bLw' })
  handle!: string;

  @ApiProperty({ description: 'What other bidders see', example: 'bidder-24e90b7b' })
  pseudonym!: string;
}

export class ApiKeyDto implements ApiKeyRecord {
  @ApiProperty({ format: 'uuid', example: '3f6c2a9e-7d41-4b8a-9c0e-5a1b2c3d4e5f' })
  id!: string;

  @ApiProperty({ example: 'acme-feed' })
  name!: string;

  @ApiProperty({ description: 'The public part of the key (`btk_<prefix>_…`), to recognise it', example: 'Xq3vK9mT2bLw' })
  prefix!: string;

  @ApiProperty({ enum: ALL_SCOPES, isArray: true, example: ['feed:read', 'feed:publish'] })
  scopes!: Scope[];

  @ApiProperty({ type: [String], description: 'With feed:publish: the symbols the key may publish', example: ['ACME'] })
  publishSymbols!: string[];

  @ApiProperty({ type: KeyBidderDto, nullable: true, description: 'With bid:write: the bidder the key bids as; null otherwise', example: null })
  bidder!: KeyBidderDto | null;

  @ApiProperty({ format: 'date-time', example: '2026-12-01T09:30:00.000Z' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Null while the key is live', example: null })
  revokedAt!: string | null;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'The key itself: shown in this response only', example: 'btk_Xq3vK9mT2bLw_q1W8eR5tY2uI9oP3aS6dF0gH4jK7lZ1xC5vB8nM2qW4' })
  key!: string;
}
