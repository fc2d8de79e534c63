import type { AuctionBook, AuctionTerms, RejectReason } from './domain/auction-rules';

/** An auction as the bidding path needs it: its terms, its live book and public facts. */
export interface LockedAuction {
  id: string;
  title: string;
  currency: string;
  priceScale: number;
  sellerId: string | null;
  state: 'scheduled' | 'open' | 'closed';
  terms: AuctionTerms;
  book: AuctionBook;
  lastSeq: number;
  leaderPseudonym: string | null;
  winnerPseudonym: string | null;
  reserveMetAtClose: boolean | null;
  /** When the close was stored (ms since the epoch), null while not closed. */
  closedAt: number | null;
}

export interface BidderIdentity {
  id: string;
  handle: string;
  pseudonym: string;
}

export interface PlaceBidRequest {
  auctionId: string;
  amount: number;
  maxAmount: number | null;
  clientBidId: string;
  /** Server receive time, ms since the epoch: the only clock the rules trust. */
  receivedAt: number;
}

/** Rejection reasons: the rules' own plus those decided around them. */
export type BidRejection =
  | RejectReason
  | 'UNKNOWN_AUCTION'
  | 'NOT_ALLOWED'
  | 'RATE_LIMITED'
  | 'TEMPORARILY_UNAVAILABLE'
  /** The client bid id was used before with another auction, amount or maximum. */
  | 'IDEMPOTENCY_MISMATCH';

export type BidOutcome =
  | {
      accepted: true;
      seq: number;
      price: number;
      leading: boolean;
      nextMinimum: number;
      endAt: number;
      duplicate: boolean;
    }
  | {
      accepted: false;
      reason: BidRejection;
      nextMinimum: number;
      retryable: boolean;
      duplicate: boolean;
    };

/** One recorded bid as published to auction watchers. */
export interface BidRecord {
  auctionId: string;
  seq: number;
  bidderId: string;
  bidderPseudonym: string;
  kind: 'bid' | 'proxy';
  amount: number;
  price: number;
  leaderPseudonym: string;
  nextMinimum: number;
  reserveMet: boolean;
  endAt: number;
  receivedAt: number;
  extended: boolean;
}

export interface OutbidNotice {
  auctionId: string;
  bidderId: string;
  reason: 'NEW_BID' | 'PROXY_MAX';
  price: number;
  nextMinimum: number;
  seq: number;
}

export interface AuctionClosedEvent {
  auctionId: string;
  winnerPseudonym: string | null;
  price: number;
  reserveMet: boolean;
  seq: number;
  closedAt: number;
}
