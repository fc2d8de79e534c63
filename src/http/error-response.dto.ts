import { ApiProperty } from '@nestjs/swagger';
import { FEATURE_ERROR_CODES } from './http-errors';
import type { ErrorBody, FeatureErrorCode } from './http-errors';

/** The OpenAPI shape of every coded REST error (FeatureErrorFilter's body). */
export class ErrorResponse implements ErrorBody {
  @ApiProperty({ type: 'integer', example: 404, description: 'The HTTP status, repeated' })
  statusCode!: number;

  @ApiProperty({
    enum: FEATURE_ERROR_CODES,
    enumName: 'RestErrorCode',
    example: 'AUCTION_NOT_FOUND',
    description: 'Stable code to switch on (docs/protocol.md, "REST errors"); each response lists the codes it can carry',
  })
  code!: FeatureErrorCode;

  @ApiProperty({ example: 'no auction 5b0f3c1e-8a2d-4c47-9e61-2f3d4a5b6c7d', description: 'For people; wording may change' })
  message!: string;

  @ApiProperty({ example: 'Not Found', description: "The status's reason phrase" })
  error!: string;
}

/**
 * Nest's own 400 body, which has no `code`: a request that fails validation (`message` lists
 * the problems), or a path parameter that cannot be decoded, a bad `%` escape (`message` is one
 * string). A body that does not parse has a code (MALFORMED_BODY).
 */
export class ValidationErrorResponse {
  @ApiProperty({ type: 'integer', enum: [400], example: 400 })
  statusCode!: number;

  @ApiProperty({
    oneOf: [{ type: 'array', items: { type: 'string' } }, { type: 'string' }],
    example: ['startingPrice must be an integer number'],
    description: 'The problems found, one per entry; one string for a path parameter that cannot be decoded (a bad % escape)',
  })
  message!: string[] | string;

  @ApiProperty({ enum: ['Bad Request'], example: 'Bad Request' })
  error!: string;
}
