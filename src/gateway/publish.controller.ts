import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AuthError, AuthErrorCode } from '../auth/auth-errors';
import { AuthService } from '../auth/auth.service';
import { can } from '../auth/principal';
import { IngestService } from '../market/ingest.service';
import { MarketError, MarketErrorCode } from '../market/market-errors';
import { publishAck, publishItemsOf } from './market-messages';
import { decodeClientMessage } from './wire/client-decoder';
import { JSON_MAPPING, pb } from './wire/messages';
import { Encoding } from './wire/subprotocol';
import { Writer } from 'protobufjs/minimal';

export const PROTOBUF_CONTENT_TYPE = 'application/x-protobuf';
const PUBLISH_FIELD_TAG = (17 << 3) | 2; // ClientMessage.publish

/**
 * `POST /v1/publish`, for publishers that cannot hold a socket: a PublishRequest as JSON (the
 * protobuf JSON mapping) or as binary protobuf, checked exactly as on the stream, answered by
 * a PublishAck in the same encoding.
 */
@ApiTags('publish')
@ApiSecurity('api-key')
@Controller('v1/publish')
export class PublishController {
  constructor(
    private readonly auth: AuthService,
    private readonly ingest: IngestService,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiConsumes('application/json', PROTOBUF_CONTENT_TYPE)
  @ApiBody({ description: 'bidtape.v1.PublishRequest (proto/bidtape/v1/ingest.proto)' })
  @ApiOkResponse({ description: 'bidtape.v1.PublishAck: how many items were accepted and why each other was not' })
  async publish(@Req() request: Request, @Res() response: Response): Promise<void> {
    const result = await this.auth.authenticate(request);
    if (!result.ok) throw new AuthError(result.code, result.reason);
    const { principal } = result;
    if (principal.kind === 'anonymous') throw new AuthError(AuthErrorCode.CredentialsRequired, 'Publishing needs an API key with feed:publish (X-Api-Key)');
    if (!can(principal, 'feed:publish') || !principal.keyId) throw new AuthError(AuthErrorCode.Forbidden, 'These credentials do not allow publishing (feed:publish)');

    const binary = request.is(PROTOBUF_CONTENT_TYPE) !== false && Buffer.isBuffer(request.body);
    const decoded = binary
      ? decodeClientMessage(Buffer.from(Writer.create().uint32(PUBLISH_FIELD_TAG).bytes(request.body as Buffer).finish()), true, Encoding.Proto)
      : decodeClientMessage(Buffer.from(JSON.stringify({ publish: (request.body as unknown) ?? {} })), false, Encoding.Json);
    if (!decoded.ok) throw new MarketError(MarketErrorCode.MalformedPublish, decoded.reason.replace('ClientMessage', 'PublishRequest').replace(/\bpublish\./g, ''));
    const items = publishItemsOf(decoded.message.publish ?? {});
    const problem = this.ingest.requestProblem(items);
    if (problem) throw new MarketError(MarketErrorCode.TooManyItems, problem);

    const ack = pb.PublishAck.create(publishAck(0, this.ingest.publish({ keyId: principal.keyId, symbols: principal.publishSymbols }, items)).publishAck!);
    if (binary) response.status(200).type(PROTOBUF_CONTENT_TYPE).send(Buffer.from(pb.PublishAck.encode(ack).finish()));
    else response.status(200).json(pb.PublishAck.toObject(ack, JSON_MAPPING));
  }
}
