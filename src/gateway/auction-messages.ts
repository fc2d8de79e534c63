import type { BidOutcome, BidRecord, BidRejection, LockedAuction, OutbidNotice, AuctionClosedEvent } from '../auction/auction.types';
import { toView } from '../auction/auctions.service';
import { pb } from './wire/messages';
import type { ServerMessageInit } from './wire/messages';

const R = pb.BidRejectReason;
const S = pb.AuctionStatus;

/** The one mapping from bidding outcomes to the wire's reject reasons. */
function rejectReason(reason: BidRejection): number {
  switch (reason) {
    case 'BELOW_MINIMUM': return R.BID_REJECT_REASON_BELOW_MINIMUM;
    case 'AUCTION_CLOSED': return R.BID_REJECT_REASON_AUCTION_CLOSED;
    case 'NOT_STARTED': return R.BID_REJECT_REASON_NOT_STARTED;
    case 'UNKNOWN_AUCTION': return R.BID_REJECT_REASON_UNKNOWN_AUCTION;
    case 'NOT_ALLOWED': return R.BID_REJECT_REASON_NOT_ALLOWED;
    case 'RATE_LIMITED': return R.BID_REJECT_REASON_RATE_LIMITED;
    case 'TEMPORARILY_UNAVAILABLE': return R.BID_REJECT_REASON_TEMPORARILY_UNAVAILABLE;
    case 'INVALID_AMOUNT': return R.BID_REJECT_REASON_INVALID_AMOUNT;
    case 'ALREADY_LEADING': return R.BID_REJECT_REASON_ALREADY_LEADING;
    case 'IDEMPOTENCY_MISMATCH': return R.BID_REJECT_REASON_IDEMPOTENCY_MISMATCH;
  }
}

const REJECT_TEXT: Record<BidRejection, string> = {
  BELOW_MINIMUM: 'the bid is below the next minimum bid',
  AUCTION_CLOSED: 'the auction has ended',
  NOT_STARTED: 'the auction has not started',
  UNKNOWN_AUCTION: 'no such auction',
  NOT_ALLOWED: 'this connection may not bid here (connect with a bidder identity; sellers cannot bid)',
  RATE_LIMITED: 'too many bids; retry later',
  TEMPORARILY_UNAVAILABLE: 'the bid could not be made durable; retry with the same client_bid_id',
  INVALID_AMOUNT: 'amounts must be positive integers, max_amount >= amount, client_bid_id 1-64 printable characters',
  ALREADY_LEADING: 'you already lead this auction',
  IDEMPOTENCY_MISMATCH: 'this client_bid_id was already used for a bid with another auction, amount or max_amount; use a new id',
};

export function bidAnswer(requestId: number, auctionId: string, clientBidId: string, outcome: BidOutcome): ServerMessageInit {
  if (outcome.accepted) {
    return {
      bidAccepted: {
        requestId, auctionId, clientBidId, seq: outcome.seq, price: outcome.price, leading: outcome.leading,
        nextMinimum: outcome.nextMinimum, endTimeUs: outcome.endAt * 1000, duplicate: outcome.duplicate,
      },
    };
  }
  return {
    bidRejected: {
      requestId, auctionId, clientBidId, reason: rejectReason(outcome.reason), message: REJECT_TEXT[outcome.reason],
      nextMinimum: outcome.nextMinimum, retryable: outcome.retryable, duplicate: outcome.duplicate,
    },
  };
}

/** An auction's state as the stream shows it at `now` (the auction clock's time). */
export function auctionState(auction: LockedAuction, now: number): ServerMessageInit['auctionSnapshot'] {
  const view = toView(auction, now);
  const status = { scheduled: S.AUCTION_STATUS_SCHEDULED, open: S.AUCTION_STATUS_OPEN, closed: S.AUCTION_STATUS_CLOSED }[view.status];
  return {
    state: {
      auctionId: view.id, title: view.title, currency: view.currency, priceScale: view.priceScale, status,
      startingPrice: view.startingPrice, currentPrice: view.currentPrice, leader: view.leader ?? '', bidCount: view.bidCount,
      seq: view.lastSeq, nextMinimum: view.nextMinimum, reserveMet: view.reserveMet,
      startTimeUs: auction.terms.startAt * 1000, endTimeUs: auction.book.endAt * 1000, winner: view.winner ?? '',
    },
  };
}

export function bidUpdate(r: BidRecord): ServerMessageInit {
  return {
    bidUpdate: {
      auctionId: r.auctionId, seq: r.seq, bidder: r.bidderPseudonym, amount: r.amount,
      kind: r.kind === 'bid' ? pb.BidKind.BID_KIND_BID : pb.BidKind.BID_KIND_PROXY, price: r.price, leader: r.leaderPseudonym,
      nextMinimum: r.nextMinimum, reserveMet: r.reserveMet, endTimeUs: r.endAt * 1000, timeUs: r.receivedAt * 1000,
      extended: r.extended,
    },
  };
}

export function outbid(o: OutbidNotice): ServerMessageInit {
  const reason = o.reason === 'NEW_BID' ? pb.OutbidReason.OUTBID_REASON_NEW_BID : pb.OutbidReason.OUTBID_REASON_PROXY_MAX;
  return { outbid: { auctionId: o.auctionId, reason, price: o.price, nextMinimum: o.nextMinimum, seq: o.seq } };
}

export function auctionClosed(e: AuctionClosedEvent): ServerMessageInit {
  return {
    auctionClosed: {
      auctionId: e.auctionId, winner: e.winnerPseudonym ?? '', price: e.price, reserveMet: e.reserveMet, seq: e.seq,
      closedTimeUs: e.closedAt * 1000,
    },
  };
}
