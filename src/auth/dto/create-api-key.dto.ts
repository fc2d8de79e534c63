import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { ALL_SCOPES } from '../principal';
import type { Scope } from '../principal';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'acme-feed' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  @ApiProperty({ enum: ALL_SCOPES, isArray: true, example: ['feed:read', 'feed:publish'] })
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(ALL_SCOPES, { each: true })
  scopes!: Scope[];

  @ApiPropertyOptional({ type: [String], example: ['ACME'], description: 'With feed:publish: the symbols this key may publish' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @Matches(/^[A-Z0-9][A-Z0-9._-]{0,31}$/, { each: true })
  publishSymbols?: string[];
}
