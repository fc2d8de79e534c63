import { Catch, HttpStatus } from '@nestjs/common';
import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import type { ErrorRequestHandler, Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { AuctionError, AuctionErrorCode } from '../auction/auction-errors';
import { AuthError, AuthErrorCode } from '../auth/auth-errors';
import { HandshakeRefusal } from '../gateway/handshake-refusals';
import { MarketError, MarketErrorCode } from '../market/market-errors';
import { RequestErrorCode } from './request-errors';

/**
 * The HTTP transport's one mapping from every feature's error codes to a status: REST
 * answers and WebSocket handshake refusals alike. The switches are exhaustive, so a new
 * code does not compile until it has a status (and docs/protocol.md a row).
 */
export function authStatus(code: AuthErrorCode): HttpStatus {
  switch (code) {
    case AuthErrorCode.CredentialsRequired:
    case AuthErrorCode.InvalidCredentials:
      return HttpStatus.UNAUTHORIZED;
    case AuthErrorCode.Forbidden:
    case AuthErrorCode.AdminDisabled:
      return HttpStatus.FORBIDDEN;
    case AuthErrorCode.KeyNotFound:
      return HttpStatus.NOT_FOUND;
    case AuthErrorCode.PublishSymbolsWithoutScope:
      return HttpStatus.BAD_REQUEST;
    case AuthErrorCode.AuthUnavailable:
      return HttpStatus.SERVICE_UNAVAILABLE;
  }
}

export function auctionStatus(code: AuctionErrorCode): HttpStatus {
  switch (code) {
    case AuctionErrorCode.InvalidIncrements:
    case AuctionErrorCode.InvalidSchedule:
    case AuctionErrorCode.InvalidReserve:
      return HttpStatus.BAD_REQUEST;
    case AuctionErrorCode.AuctionNotFound:
      return HttpStatus.NOT_FOUND;
  }
}

export function marketStatus(code: MarketErrorCode): HttpStatus {
  switch (code) {
    case MarketErrorCode.InvalidRange:
    case MarketErrorCode.MalformedPublish:
    case MarketErrorCode.TooManyItems:
    case MarketErrorCode.InvalidSource:
      return HttpStatus.BAD_REQUEST;
    case MarketErrorCode.InstrumentNotFound:
      return HttpStatus.NOT_FOUND;
    case MarketErrorCode.InstrumentExists:
      return HttpStatus.CONFLICT;
  }
}

export function requestStatus(code: RequestErrorCode): HttpStatus {
  switch (code) {
    case RequestErrorCode.MalformedBody:
      return HttpStatus.BAD_REQUEST;
    case RequestErrorCode.BodyTooLarge:
      return HttpStatus.PAYLOAD_TOO_LARGE;
  }
}

export function handshakeStatus(refusal: HandshakeRefusal): HttpStatus {
  switch (refusal) {
    case HandshakeRefusal.BadRequestTarget:
    case HandshakeRefusal.NoSubprotocol:
      return HttpStatus.BAD_REQUEST;
    case HandshakeRefusal.UnknownPath:
      return HttpStatus.NOT_FOUND;
    case HandshakeRefusal.OriginNotAllowed:
      return HttpStatus.FORBIDDEN;
    case HandshakeRefusal.TooManyFromAddress:
    case HandshakeRefusal.TooManyForKey:
      return HttpStatus.TOO_MANY_REQUESTS;
    case HandshakeRefusal.Draining:
      return HttpStatus.SERVICE_UNAVAILABLE;
  }
}

/** Every code a REST error body can carry: the feature enums' codes and the transport's own, all distinct. */
export type FeatureErrorCode = AuthErrorCode | AuctionErrorCode | MarketErrorCode | RequestErrorCode;

const AUTH_CODES: ReadonlySet<string> = new Set(Object.values(AuthErrorCode));
const AUCTION_CODES: ReadonlySet<string> = new Set(Object.values(AuctionErrorCode));
const REQUEST_CODES: ReadonlySet<string> = new Set(Object.values(RequestErrorCode));

export const FEATURE_ERROR_CODES: readonly FeatureErrorCode[] = [
  ...Object.values(AuthErrorCode),
  ...Object.values(AuctionErrorCode),
  ...Object.values(MarketErrorCode),
  ...Object.values(RequestErrorCode),
];

/** The status of any feature's code, by the feature's own mapping above. */
export function featureStatus(code: FeatureErrorCode): HttpStatus {
  if (isAuthCode(code)) return authStatus(code);
  if (isAuctionCode(code)) return auctionStatus(code);
  if (isRequestCode(code)) return requestStatus(code);
  return marketStatus(code);
}

function isAuthCode(code: FeatureErrorCode): code is AuthErrorCode {
  return AUTH_CODES.has(code);
}

function isAuctionCode(code: FeatureErrorCode): code is AuctionErrorCode {
  return AUCTION_CODES.has(code);
}

function isRequestCode(code: FeatureErrorCode): code is RequestErrorCode {
  return REQUEST_CODES.has(code);
}

/** The JSON body of a REST error: Nest's usual fields plus the stable `code` to switch on. */
export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  error: string;
}

export function errorBody(status: number, code: string, message: string): ErrorBody {
  return { statusCode: status, code, message, error: STATUS_CODES[status] ?? 'Error' };
}

/** Answers a feature error thrown by a controller, service or guard. */
@Catch(AuthError, AuctionError, MarketError)
export class FeatureErrorFilter implements ExceptionFilter {
  catch(error: AuthError | AuctionError | MarketError, host: ArgumentsHost): void {
    const status = featureStatus(error.code);
    host.switchToHttp().getResponse<Response>().status(status).json(errorBody(status, error.code, error.message));
  }
}

/** body-parser's refusals (by the error's `type`) that answer with a code; others go on to Nest. */
const BODY_REFUSALS: Record<string, RequestErrorCode> = {
  'entity.parse.failed': RequestErrorCode.MalformedBody,
  'entity.too.large': RequestErrorCode.BodyTooLarge,
};

/**
 * Answers a body the parsers refused, with a code like any other REST error: an Express error
 * handler, registered right after the body parsers (Nest's own answer to them has no code).
 */
export const answerBodyRefusals: ErrorRequestHandler = (error: { type?: string; message?: string; limit?: number }, _request, response, next) => {
  const code = error?.type === undefined ? undefined : BODY_REFUSALS[error.type];
  if (!code) return next(error);
  const status = requestStatus(code);
  const message = code === RequestErrorCode.BodyTooLarge ? `the body is larger than ${error.limit} bytes` : `the body does not parse: ${error.message}`;
  response.status(status).json(errorBody(status, code, message));
};
