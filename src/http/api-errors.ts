import { applyDecorators, HttpStatus } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';
import { AuctionErrorCode } from '../auction/auction-errors';
import { AuthErrorCode } from '../auth/auth-errors';
import { MarketErrorCode } from '../market/market-errors';
import { ErrorResponse, ValidationErrorResponse } from './error-response.dto';
import { errorBody, featureStatus } from './http-errors';
import type { FeatureErrorCode } from './http-errors';
import { RequestErrorCode } from './request-errors';

/** A 400 from Nest's validation (no code), with an example of its `message`. */
export interface Invalid {
  invalid: string[] | string;
}

/** A code, a code with the message its example shows here, or a validation failure. */
export type ApiErrorSpec = FeatureErrorCode | [FeatureErrorCode, string] | Invalid;

/** What each code's example says where the use does not say better (the server's common wording). */
const EXAMPLE_MESSAGES: Record<FeatureErrorCode, string> = {
  [AuthErrorCode.CredentialsRequired]: 'Credentials required: a bearer token or an API key',
  [AuthErrorCode.InvalidCredentials]: 'Invalid or revoked API key',
  [AuthErrorCode.Forbidden]: 'These credentials do not allow this request',
  [AuthErrorCode.AdminDisabled]: 'The admin API is disabled (set ADMIN_TOKEN)',
  [AuthErrorCode.KeyNotFound]: 'no live key 3f6c2a9e-7d41-4b8a-9c0e-5a1b2c3d4e5f',
  [AuthErrorCode.AuthUnavailable]: 'Credentials could not be checked right now; retry',
  [AuthErrorCode.PublishSymbolsWithoutScope]: 'publishSymbols needs the feed:publish scope',
  [AuctionErrorCode.InvalidIncrements]: 'increments: last band must have upTo null (no upper bound)',
  [AuctionErrorCode.InvalidSchedule]: 'endAt must be after startAt',
  [AuctionErrorCode.InvalidReserve]: 'reservePrice must be at least startingPrice',
  [AuctionErrorCode.AuctionNotFound]: 'no auction 5b0f3c1e-8a2d-4c47-9e61-2f3d4a5b6c7d',
  [MarketErrorCode.InstrumentNotFound]: 'no live instrument ACME',
  [MarketErrorCode.InstrumentExists]: 'ACME is live already',
  [MarketErrorCode.InvalidRange]: '`from` must be before `to`',
  [MarketErrorCode.MalformedPublish]: 'not a PublishRequest: quotes: array expected',
  [MarketErrorCode.TooManyItems]: 'at most 1000 items per PublishRequest',
  [MarketErrorCode.InvalidSource]: 'key 3f6c2a9e-7d41-4b8a-9c0e-5a1b2c3d4e5f is not a live feed:publish key for ACME',
  [RequestErrorCode.MalformedBody]: "the body does not parse: Expected property name or '}' in JSON at position 1",
  [RequestErrorCode.BodyTooLarge]: 'the body is larger than 4194304 bytes',
};

/** What any operation with a request body can answer before it runs: the body parsers' refusals. */
export const BODY_ERRORS: readonly ApiErrorSpec[] = [RequestErrorCode.MalformedBody, RequestErrorCode.BodyTooLarge];

interface StatusEntry {
  examples: Record<string, { summary: string; value: unknown }>;
  codes: FeatureErrorCode[];
  /** How many validation examples: Nest's 400s without a code. */
  validation: number;
}

/**
 * Documents the errors an operation (or every operation of a controller) can answer: one
 * response per status, from the HTTP mapping itself, with the shared error body and an
 * example per code. Give all of a status's errors in one call: a later call replaces it.
 */
export function ApiErrors(...specs: ApiErrorSpec[]): MethodDecorator & ClassDecorator {
  const statuses = new Map<number, StatusEntry>();
  for (const spec of specs) {
    const [code, message] = typeof spec === 'string' ? [spec, EXAMPLE_MESSAGES[spec]] : Array.isArray(spec) ? spec : [null, spec.invalid];
    const status = code ? featureStatus(code) : HttpStatus.BAD_REQUEST;
    const entry = statuses.get(status) ?? { examples: {}, codes: [], validation: 0 };
    statuses.set(status, entry);
    if (code) {
      entry.codes.push(code);
      entry.examples[code] = { summary: code, value: errorBody(status, code, message) };
    } else {
      const summary = Array.isArray(message) ? 'fails validation (no code)' : 'refused without a code';
      entry.examples[`INVALID_${++entry.validation}`] = { summary, value: { statusCode: status, message, error: STATUS_CODES[status] } };
    }
  }
  return applyDecorators(
    ApiExtraModels(ErrorResponse, ValidationErrorResponse),
    ...[...statuses].map(([status, entry]) =>
      ApiResponse({
        status,
        description: describe(status, entry),
        content: { 'application/json': { schema: schemaOf(entry), examples: entry.examples } },
      }),
    ),
  );
}

function describe(status: number, { codes, validation }: StatusEntry): string {
  const parts = [
    ...(codes.length > 0 ? [`code ${codes.map((c) => `\`${c}\``).join(', ')}`] : []),
    ...(validation > 0 ? ['a request that fails validation (no `code`: ValidationErrorResponse)'] : []),
  ];
  return `${STATUS_CODES[status]}: ${parts.join('; or ')}`;
}

function schemaOf({ codes, validation }: StatusEntry) {
  const coded = { $ref: getSchemaPath(ErrorResponse) };
  const invalid = { $ref: getSchemaPath(ValidationErrorResponse) };
  if (codes.length > 0 && validation > 0) return { oneOf: [coded, invalid] };
  return validation > 0 ? invalid : coded;
}
