import { AuthErrorCode } from '../auth/auth-errors';
import { ErrorCode } from './wire/messages';
import type { ServerMessageInit } from './wire/messages';

/**
 * The stream's error vocabulary is the wire's `ErrorCode` (stream.proto); these are the only
 * builders of its `Error` and `SubscribeReject` replies, and the stream transport's mapping of
 * the auth feature's codes. Bid refusals are `BidRejected` reasons instead
 * (auction-messages.ts); connection-ending errors are close codes (close-codes.ts).
 */
export function errorReply(requestId: number, code: ErrorCode, message: string): ServerMessageInit {
  return { error: { requestId, code, message } };
}

export function subscribeRejectReply(requestId: number, symbols: string[], code: ErrorCode, message: string): ServerMessageInit {
  return { subscribeReject: { requestId, symbols, code, message } };
}

export function streamCodeOfAuth(code: AuthErrorCode): ErrorCode {
  switch (code) {
    case AuthErrorCode.CredentialsRequired:
    case AuthErrorCode.InvalidCredentials:
    case AuthErrorCode.KeyNotFound:
      return ErrorCode.ERROR_CODE_UNAUTHENTICATED;
    case AuthErrorCode.Forbidden:
    case AuthErrorCode.AdminDisabled:
      return ErrorCode.ERROR_CODE_FORBIDDEN;
    case AuthErrorCode.PublishSymbolsWithoutScope:
      return ErrorCode.ERROR_CODE_INVALID_REQUEST;
    case AuthErrorCode.AuthUnavailable:
      return ErrorCode.ERROR_CODE_INTERNAL;
  }
}
