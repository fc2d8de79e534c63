/**
 * Why the server refuses a WebSocket handshake before the upgrade (credential failures are
 * the auth feature's own codes). Each gets a complete HTTP answer; the status comes from
 * src/http/http-errors.ts and docs/protocol.md lists them.
 */
export enum HandshakeRefusal {
  /** The request target or Host header cannot be parsed. */
  BadRequestTarget = 'BAD_REQUEST_TARGET',
  /** Neither bidtape subprotocol is offered. */
  NoSubprotocol = 'NO_SUBPROTOCOL',
  /** An upgrade to a path other than /v1/stream (any path on a feed-only process). */
  UnknownPath = 'UNKNOWN_PATH',
  /** A browser Origin not in ALLOWED_ORIGINS. */
  OriginNotAllowed = 'ORIGIN_NOT_ALLOWED',
  /** MAX_CONNECTIONS_PER_ADDRESS reached for the client address. */
  TooManyFromAddress = 'TOO_MANY_FROM_ADDRESS',
  /** MAX_CONNECTIONS_PER_KEY reached for the API key. */
  TooManyForKey = 'TOO_MANY_FOR_KEY',
  /** The server is draining for shutdown. */
  Draining = 'DRAINING',
}
