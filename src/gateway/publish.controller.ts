import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiPublisherKey } from '../auth/api-auth';
import { AuthError, AuthErrorCode } from '../auth/auth-errors';
import { AuthService } from '../auth/auth.service';
import { can } from '../auth/principal';
import { ApiErrors, BODY_ERRORS } from '../http/api-errors';
import { IngestService } from '../market/ingest.service';
import { MarketError, MarketErrorCode } from '../market/market-errors';
import { PublishAckDto, PublishRequestDto } from './dto/publish.dto';
import { publishAck, publishItemsOf } from './market-messages';
import { decodeClientMessage } from './wire/client-decoder';
import { JSON_MAPPING, pb } from './wire/messages';
import { Encoding } from './wire/subprotocol';
import { Writer } from 'protobufjs/minimal';

export const PROTOBUF_CONTENT_TYPE = 'application/x-protobuf';
const BYTES = { type: 'string', format: 'binary' } as const;
const PUBLISH_FIELD_TAG = (17 << 3) | 2; // ClientMessage.publish

/**
 * `POST /v1/publish`, for publishers that cannot hold a socket: a PublishRequest as JSON (the
 * protobuf JSON mapping) or as binary protobuf, checked exactly as on the stream, answered by
 * a PublishAck in the same encoding.
 */
@ApiTags('publish')
@ApiPublisherKey()
@ApiExtraModels(PublishRequestDto, PublishAckDto)
@Controller('v1/publish')
export class PublishController {
  constructor(
    private readonly auth: AuthService,
    private readonly ingest: IngestService,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    operationId: 'publish',
    summary: 'Publishes quotes and trades for the symbols whose source is this key',
    // The handler reads the raw request, so the body is described here (one schema per encoding).
    requestBody: {
      required: true,
      description: 'bidtape.v1.PublishRequest (proto/bidtape/v1/ingest.proto): the protobuf JSON mapping, or binary protobuf',
      content: { 'application/json': { schema: { $ref: getSchemaPath(PublishRequestDto) } }, [PROTOBUF_CONTENT_TYPE]: { schema: BYTES } },
    },
  })
  @ApiOkResponse({
    description: 'bidtape.v1.PublishAck, in the encoding of the request: how many items were accepted and why each other was not',
    content: { 'application/json': { schema: { $ref: getSchemaPath(PublishAckDto) } }, [PROTOBUF_CONTENT_TYPE]: { schema: BYTES } },
  })
  @ApiErrors(...BODY_ERRORS, MarketErrorCode.MalformedPublish, MarketErrorCode.TooManyItems)
  async publish(@Req() request: Request, @Res() response: Response): Promise<void> {
    const result = await this.auth.authenticate(request);
    if (!result.ok) throw new AuthError(result.code, result.reason);
    const { principal } = result;
    if (principal.kind === 'anonymous') throw new AuthError(AuthErrorCode.CredentialsRequired, 'Publishing needs an API key with feed:publish (X-Api-Key)');
    if (!can(principal, 'feed:publish') || !principal.keyId) throw new AuthError(AuthErrorCode.Forbidden, 'These credentials do not allow publishing (feed:publish)');

    const binary = request.is(PROTOBUF_CONTENT_TYPE) !== false && Buffer.isBuffer(request.body);
    const decoded = binary
      ? decodeClientMessage(Buffer.from(Writer.create().uint32(PUBLISH_FIELD_TAG).bytes(request.body as Buffer).finish()), true, Encoding.Proto)
      : decodeClientMessage(Buffer.from(JSON.stringify({ publish: jsonBody(request) })), false, Encoding.Json);
    if (!decoded.ok) throw new MarketError(MarketErrorCode.MalformedPublish, decoded.reason.replace('ClientMessage', 'PublishRequest').replace(/\bpublish\./g, ''));
    const items = publishItemsOf(decoded.message.publish ?? {});
    const problem = this.ingest.requestProblem(items);
    if (problem) throw new MarketError(MarketErrorCode.TooManyItems, problem);

    const ack = pb.PublishAck.create(publishAck(0, this.ingest.publish({ keyId: principal.keyId, symbols: principal.publishSymbols }, items)).publishAck!);
    if (binary) response.status(200).type(PROTOBUF_CONTENT_TYPE).send(Buffer.from(pb.PublishAck.encode(ack).finish()));
    else response.status(200).json(pb.PublishAck.toObject(ack, JSON_MAPPING));
  }
}

/**
 * The JSON body as a PublishRequest object: none at all is the empty request (as zero bytes are in
 * protobuf); a body of another type, or JSON that is not an object (`[]`, which the JSON parser
 * lets through), is not a PublishRequest.
 */
function jsonBody(request: Request): object {
  if (request.is(['application/json']) === false) {
    throw new MarketError(MarketErrorCode.MalformedPublish, `not a PublishRequest: send Content-Type application/json or ${PROTOBUF_CONTENT_TYPE}`);
  }
  const body: unknown = request.body ?? {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new MarketError(MarketErrorCode.MalformedPublish, 'not a PublishRequest: a PublishRequest in JSON is an object');
  }
  return body;
}
