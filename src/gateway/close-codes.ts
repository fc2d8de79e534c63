/** WebSocket close codes the server uses; documented in docs/protocol.md. */
export enum CloseCode {
  /** No subscription and no message for IDLE_TIMEOUT_MS. */
  Idle = 4000,
  /** The bearer token expired without a RefreshToken; reconnect with a fresh token. */
  AuthExpired = 4001,
  /** The API key was revoked. */
  CredentialsRevoked = 4003,
  /** Server shutting down; reconnect (to another instance) after a short delay. */
  GoingAway = 1001,
  /** Message larger than the limit (sent by `ws` itself, see MAX_MESSAGE_BYTES). */
  MessageTooBig = 1009,
  /** Unexpected server failure while handling the connection. */
  InternalError = 1011,
  /** The connection fell too far behind; resubscribe and expect a fresh snapshot. */
  SlowConsumer = 4008,
  /** Kept sending over the inbound message rate after being told; reconnect slower. */
  TooManyMessages = 4029,
}
