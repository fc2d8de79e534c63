import type { ErrorCode } from './messages';

export type BidtapeErrorCode =
  /** The client was closed (by `close()`, or by a close code that forbids reconnecting). */
  | 'CLOSED'
  /** The connection is not open and the call does not wait for it (`ping`). */
  | 'NOT_CONNECTED'
  /** The connection dropped before the answer arrived. */
  | 'CONNECTION_LOST'
  /** No answer within the time allowed. For a bid the outcome is unknown: resend the same clientBidId. */
  | 'TIMEOUT'
  /** The server answered with an `Error` message; `serverCode` says which. */
  | 'SERVER_ERROR';

export class BidtapeError extends Error {
  override readonly name = 'BidtapeError';

  constructor(
    readonly code: BidtapeErrorCode,
    message: string,
    /** The protocol's error code, for SERVER_ERROR. */
    readonly serverCode?: ErrorCode,
  ) {
    super(message);
  }
}
