import { CodedError } from '../common/coded-error';

/**
 * The auction feature's REST error vocabulary (bids have their own: BidRejection, mapped in
 * src/gateway/auction-messages.ts). HTTP statuses come from src/http/http-errors.ts;
 * docs/protocol.md lists them.
 */
export enum AuctionErrorCode {
  /** The increment table is not a valid ladder of bands. */
  InvalidIncrements = 'INVALID_INCREMENTS',
  /** endAt is not after startAt. */
  InvalidSchedule = 'INVALID_SCHEDULE',
  /** reservePrice is below startingPrice. */
  InvalidReserve = 'INVALID_RESERVE',
  /** No auction with that id. */
  AuctionNotFound = 'AUCTION_NOT_FOUND',
}

export class AuctionError extends CodedError<AuctionErrorCode> {}
