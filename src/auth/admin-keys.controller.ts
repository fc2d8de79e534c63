import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EventBus } from '../events/event-bus';
import { isUuid } from '../auction/domain/ids';
import { ApiErrors, BODY_ERRORS } from '../http/api-errors';
import { AdminOnly } from './api-auth';
import { ApiKeysService } from './api-keys.service';
import { AuthError, AuthErrorCode } from './auth-errors';
import type { ApiKeyRecord } from './api-keys.service';
import { ApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto';
import { CreateApiKeyDto } from './dto/create-api-key.dto';

@ApiTags('admin')
@AdminOnly()
@Controller('v1/admin/keys')
export class AdminKeysController {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly events: EventBus,
  ) {}

  @Post()
  @ApiOperation({ operationId: 'createApiKey', summary: 'Issues a partner API key' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto, description: 'The key record with the key itself, which no other response shows' })
  @ApiErrors(...BODY_ERRORS, { invalid: ['scopes must be an array'] }, AuthErrorCode.PublishSymbolsWithoutScope)
  async create(@Body() dto: CreateApiKeyDto): Promise<{ key: string } & ApiKeyRecord> {
    const scopes = [...new Set(dto.scopes)];
    const publishSymbols = [...new Set(dto.publishSymbols ?? [])];
    if (publishSymbols.length > 0 && !scopes.includes('feed:publish')) {
      throw new AuthError(AuthErrorCode.PublishSymbolsWithoutScope, 'publishSymbols needs the feed:publish scope');
    }
    const { key, record } = await this.keys.create(dto.name, scopes, publishSymbols);
    return { key, ...record };
  }

  @Get()
  @ApiOperation({ operationId: 'listApiKeys', summary: 'Lists the API keys, revoked ones included' })
  @ApiOkResponse({ type: [ApiKeyDto], description: 'Every key, oldest first (never the secrets)' })
  list(): Promise<ApiKeyRecord[]> {
    return this.keys.list();
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'revokeApiKey', summary: 'Revokes a key; live connections using it are closed (4003) on every gateway' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiErrors(AuthErrorCode.KeyNotFound)
  async revoke(@Param('id') id: string): Promise<void> {
    if (!isUuid(id) || !(await this.keys.revoke(id))) throw new AuthError(AuthErrorCode.KeyNotFound, `no live key ${id}`);
    this.events.emit('auth.key.revoked', { keyId: id });
  }
}
