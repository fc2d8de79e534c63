/*
 * The auction rules: who leads, at what price, and when bidding ends. Pure functions over plain
 * data, so the service can run them inside its transaction and persist the returned book.
 * Amounts are integer minor units; times are server receive times in epoch milliseconds.
 */
import type { IncrementBand } from './increments';
import { incrementAt } from './increments';

export type AuctionStatus = 'scheduled' | 'open' | 'closed';

export interface AuctionTerms {
  /** The first bid must be at least this. */
  startingPrice: number;
  /** Hidden from bidders; null = no reserve. */
  reservePrice: number | null;
  increments: readonly IncrementBand[];
  startAt: number;
  /** The scheduled end; the live end, after extensions, is AuctionBook.endAt. */
  endAt: number;
  /** A bid received in the last `softCloseWindowMs` before the end... */
  softCloseWindowMs: number;
  /** ...moves the end to its receive time + `softCloseExtensionMs` (never earlier than it was). */
  softCloseExtensionMs: number;
}

/** The state bids change; persisted in the auction row. */
export interface AuctionBook {
  /** Set when the close was executed. */
  closed: boolean;
  /** 0 before any bid. */
  currentPrice: number;
  leaderId: string | null;
  /** The leader's confidential maximum (their bid if no proxy); 0 without a leader. */
  leaderMax: number;
  /** Recorded bid entries, proxy entries included. */
  bidCount: number;
  /** Live end time, after extensions. */
  endAt: number;
}

export interface BidRequest {
  bidderId: string;
  amount: number;
  /** The most the bidder lets the proxy bid for them; absent or null = a plain bid. */
  maxAmount?: number | null;
  receivedAt: number;
}

export type RejectReason = 'NOT_STARTED' | 'AUCTION_CLOSED' | 'INVALID_AMOUNT' | 'ALREADY_LEADING' | 'BELOW_MINIMUM';

export interface RecordedBid {
  bidderId: string;
  amount: number;
  maxAmount: number | null;
  kind: 'bid' | 'proxy';
}

export type BidDecision =
  | {
      accepted: true;
      book: AuctionBook;
      /** In bid-history order; the last entry is the leader's, at `price`. */
      recorded: RecordedBid[];
      /** Whether the challenger leads after this bid. */
      leading: boolean;
      price: number;
      nextMinimum: number;
      /** The new live end when this bid extended it, else null. */
      extendedTo: number | null;
      outbid: { bidderId: string; reason: 'NEW_BID' | 'PROXY_MAX' } | null;
    }
  | { accepted: false; reason: RejectReason; nextMinimum: number };

export function statusAt(terms: AuctionTerms, book: AuctionBook, now: number): AuctionStatus {
  if (now < terms.startAt) return 'scheduled';
  if (book.closed || now >= book.endAt) return 'closed';
  return 'open';
}

export function minimumNextBid(terms: AuctionTerms, book: AuctionBook): number {
  if (book.leaderId === null) return terms.startingPrice;
  return book.currentPrice + incrementAt(book.currentPrice, terms.increments);
}

export function reserveMet(terms: AuctionTerms, book: AuctionBook): boolean {
  if (terms.reservePrice === null) return true;
  return book.leaderId !== null && meetsReserve(terms.reservePrice, book.currentPrice);
}

/** The reserve rule itself: a leading price meets the reserve (none: always) at or above it. */
export function meetsReserve(reservePrice: number | null, price: number): boolean {
  return reservePrice === null || price >= reservePrice;
}

/** Decides one bid against the book as it stands; returns a new book and never mutates its inputs. */
export function decideBid(terms: AuctionTerms, book: AuctionBook, bid: BidRequest): BidDecision {
  const minimum = minimumNextBid(terms, book);
  const reason = rejectionOf(book, bid, terms.startAt, minimum);
  if (reason !== null) return { accepted: false, reason, nextMinimum: minimum };

  const challengerMax = bid.maxAmount ?? bid.amount;
  const { leaderId, leading, leaderMax, price: contested } = contest(terms, book, bid, challengerMax);
  const price = liftToReserve(contested, leaderMax, terms.reservePrice);

  const challengerEntry = (amount: number): RecordedBid => ({ bidderId: bid.bidderId, amount, maxAmount: bid.maxAmount ?? null, kind: 'bid' });
  let recorded: RecordedBid[];
  let outbid: { bidderId: string; reason: 'NEW_BID' | 'PROXY_MAX' } | null;
  if (leading) {
    recorded = [challengerEntry(price)];
    outbid = book.leaderId === null ? null : { bidderId: book.leaderId, reason: 'NEW_BID' };
  } else {
    // The challenger's proxy is spent up to its max, then the leader's proxy answers it.
    recorded = [
      challengerEntry(challengerMax),
      { bidderId: leaderId, amount: price, maxAmount: null, kind: 'proxy' },
    ];
    outbid = { bidderId: bid.bidderId, reason: 'PROXY_MAX' };
  }

  const endAt = softCloseEnd(terms, book.endAt, bid.receivedAt);
  return {
    accepted: true,
    book: { closed: book.closed, currentPrice: price, leaderId, leaderMax, bidCount: book.bidCount + recorded.length, endAt },
    recorded,
    leading,
    price,
    nextMinimum: price + incrementAt(price, terms.increments),
    extendedTo: endAt === book.endAt ? null : endAt,
    outbid,
  };
}

/** Winner is the leader if the reserve is met; `price` is the price the auction reached either way. */
export function settle(
  terms: AuctionTerms,
  book: AuctionBook,
): { winnerId: string | null; price: number; reserveMet: boolean } {
  const met = reserveMet(terms, book);
  return { winnerId: met ? book.leaderId : null, price: book.currentPrice, reserveMet: met };
}

// Checked in this order, so a bidder hears the most fundamental problem first.
function rejectionOf(book: AuctionBook, bid: BidRequest, startAt: number, minimum: number): RejectReason | null {
  if (bid.receivedAt < startAt) return 'NOT_STARTED';
  if (book.closed || bid.receivedAt >= book.endAt) return 'AUCTION_CLOSED';
  if (!(Number.isSafeInteger(bid.amount) && bid.amount > 0)) return 'INVALID_AMOUNT';
  if (bid.maxAmount != null && !(Number.isSafeInteger(bid.maxAmount) && bid.maxAmount >= bid.amount)) {
    return 'INVALID_AMOUNT';
  }
  // Raising one's own maximum is not supported in v1.
  if (bid.bidderId === book.leaderId) return 'ALREADY_LEADING';
  if (bid.amount < minimum) return 'BELOW_MINIMUM';
  return null;
}

/**
 * Proxy bidding: each side's proxy bids for it, one increment at a time, up to its maximum. The
 * outcome is computed directly: the higher maximum leads at the least increment above the other
 * maximum, since that is all a bidder present in person would have needed to bid, and paying more
 * would reveal or waste the leader's maximum. The price never exceeds the leader's maximum.
 */
function contest(
  terms: AuctionTerms,
  book: AuctionBook,
  bid: BidRequest,
  challengerMax: number,
): { leaderId: string; leading: boolean; leaderMax: number; price: number } {
  const inc = (price: number) => incrementAt(price, terms.increments);
  const challengerLeads = (price: number) => ({ leaderId: bid.bidderId, leading: true, leaderMax: challengerMax, price });
  if (book.leaderId === null) return challengerLeads(bid.amount);
  if (challengerMax > book.leaderMax) {
    // The challenger's amount is a firm bid, so the price is never below it.
    return challengerLeads(Math.max(bid.amount, Math.min(challengerMax, book.leaderMax + inc(book.leaderMax))));
  }
  // Equal maxima: the earlier bidder keeps the lead. They committed to that price first and the
  // later bid offers nothing more; server receive order makes the outcome deterministic.
  const price = Math.min(book.leaderMax, challengerMax + inc(challengerMax));
  return { leaderId: book.leaderId, leading: false, leaderMax: book.leaderMax, price };
}

// A leader willing to pay the reserve pays at least the reserve: the seller would not sell for less,
// and the bidder already agreed to it.
function liftToReserve(price: number, leaderMax: number, reservePrice: number | null): number {
  if (reservePrice !== null && leaderMax >= reservePrice && price < reservePrice) return reservePrice;
  return price;
}

// Soft close: a late bid gives the others time to answer rather than rewarding sniping.
function softCloseEnd(terms: AuctionTerms, endAt: number, receivedAt: number): number {
  if (receivedAt < endAt - terms.softCloseWindowMs) return endAt;
  return Math.max(endAt, receivedAt + terms.softCloseExtensionMs);
}
