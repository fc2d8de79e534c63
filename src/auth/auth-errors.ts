import { CodedError } from '../common/coded-error';

/**
 * The auth feature's error vocabulary. Each transport maps a code in one place: HTTP
 * (REST and the WebSocket handshake) in src/http/http-errors.ts, stream replies in
 * src/gateway/stream-errors.ts. docs/protocol.md lists them.
 */
export enum AuthErrorCode {
  /** No credential given where one is required. */
  CredentialsRequired = 'CREDENTIALS_REQUIRED',
  /** A credential was given but is invalid, expired, revoked or for another subject. */
  InvalidCredentials = 'INVALID_CREDENTIALS',
  /** Valid credentials without the scope (or identity) the request needs. */
  Forbidden = 'FORBIDDEN',
  /** The admin API is disabled: ADMIN_TOKEN is not set. */
  AdminDisabled = 'ADMIN_DISABLED',
  /** No live API key with that id. */
  KeyNotFound = 'KEY_NOT_FOUND',
  /** Credentials could not be checked right now (for example PostgreSQL unreachable); a retry may succeed. */
  AuthUnavailable = 'AUTH_UNAVAILABLE',
  /** A key asked for with publishSymbols but without the feed:publish scope they are for. */
  PublishSymbolsWithoutScope = 'PUBLISH_SYMBOLS_WITHOUT_SCOPE',
}

export class AuthError extends CodedError<AuthErrorCode> {}
