import { BadRequestException, Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { EventBus } from '../events/event-bus';
import { isUuid } from '../auction/domain/ids';
import { AdminGuard } from './admin.guard';
import { ApiKeysService } from './api-keys.service';
import { AuthError, AuthErrorCode } from './auth-errors';
import type { ApiKeyRecord } from './api-keys.service';
import { ALL_SCOPES } from './principal';
import type { Scope } from './principal';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'acme-trading' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  @ApiProperty({ enum: ALL_SCOPES, isArray: true, example: ['feed:read'] })
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

@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminGuard)
@Controller('v1/admin/keys')
export class AdminKeysController {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly events: EventBus,
  ) {}

  /** Issues a key; the secret is in this response only. */
  @Post()
  async create(@Body() dto: CreateApiKeyDto): Promise<{ key: string } & ApiKeyRecord> {
    const scopes = [...new Set(dto.scopes)];
    const publishSymbols = [...new Set(dto.publishSymbols ?? [])];
    if (publishSymbols.length > 0 && !scopes.includes('feed:publish')) {
      throw new BadRequestException('publishSymbols needs the feed:publish scope');
    }
    const { key, record } = await this.keys.create(dto.name, scopes, publishSymbols);
    return { key, ...record };
  }

  @Get()
  list(): Promise<ApiKeyRecord[]> {
    return this.keys.list();
  }

  /** Revokes a key; live connections using it are closed (4003) on every gateway. */
  @Delete(':id')
  @HttpCode(204)
  async revoke(@Param('id') id: string): Promise<void> {
    if (!isUuid(id) || !(await this.keys.revoke(id))) throw new AuthError(AuthErrorCode.KeyNotFound, `no live key ${id}`);
    this.events.emit('auth.key.revoked', { keyId: id });
  }
}
