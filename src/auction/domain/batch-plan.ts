import type { BidderIdentity, BidOutcome, BidRecord, BidRejection, LockedAuction, OutbidNotice, PlaceBidRequest } from '../auction.types';
import { decideBid, minimumNextBid, reserveMet } from './auction-rules';

/** A bid waiting in the queue: who sent it and what it asks. */
export interface PendingBid {
  bidder: BidderIdentity;
  request: PlaceBidRequest;
}

/** A bid row to insert, already decided by the rules and numbered. */
export interface BidRow {
  auctionId: string;
  seq: number;
  bidderId: string;
  kind: 'bid' | 'proxy';
  amount: number;
  maxAmount: number | null;
  clientBidId: string | null;
  receivedAt: number;
  priceAfter: number;
  leading: boolean;
  nextMinimum: number;
  endAtAfter: number;
  extended: boolean;
}

/** A bid request as it was sent: what a resend with the same client bid id must repeat. */
export interface BidRequestFields {
  bidderId: string;
  clientBidId: string;
  auctionId: string;
  amount: number;
  maxAmount: number | null;
}

/** The one stored decision on a bid request, accepted (with its seq) or rejected (with its reason). */
export interface DecisionRow extends BidRequestFields {
  accepted: boolean;
  seq: number | null;
  reason: string | null;
  nextMinimum: number;
  receivedAt: number;
}

/** The stored answer to an earlier request with the same bidder and client bid id, and what it asked. */
export type StoredAnswer = BidRequestFields &
  (
    | { accepted: true; seq: number; price: number; leading: boolean; nextMinimum: number; endAt: number }
    | { accepted: false; reason: string; nextMinimum: number }
  );

/** Everything one batch writes and announces, decided before anything is written. */
export interface BatchPlan {
  /** One per pending bid, in order. */
  outcomes: BidOutcome[];
  bids: BidRow[];
  decisions: DecisionRow[];
  /** Auctions whose book changed, with their new last seq. */
  books: { auction: LockedAuction; lastSeq: number }[];
  /** Per auction: its new records in seq order and the outbid notices. */
  committed: Map<string, { records: BidRecord[]; outbids: OutbidNotice[] }>;
}

/**
 * Rejections that are answered but not stored: a resend with the same client bid id is decided
 * afresh (the condition may have passed, or the auction was never found).
 */
export const UNSTORED: ReadonlySet<BidRejection> = new Set(['RATE_LIMITED', 'TEMPORARILY_UNAVAILABLE', 'UNKNOWN_AUCTION']);

/**
 * Decides a batch of bids, of any auctions, in arrival order, from the locked auction rows and
 * the earlier decisions on the same client bid ids. Pure: `auctions` books are advanced in
 * place as bids are accepted, nothing else is touched.
 *
 * - A client bid id names one request of one bidder, whatever auction it names. A request
 *   repeating an earlier one (same auction, amount and maximum) gets the earlier answer with
 *   `duplicate`; one that reuses the id with other fields is refused IDEMPOTENCY_MISMATCH and
 *   never decided. Within the batch the same holds between its own requests.
 * - The seller cannot bid on their own auction (NOT_ALLOWED).
 * - Accepted bids (and the proxy entries they trigger) get consecutive seqs after the
 *   auction's last; every decision except the unstored kinds becomes a decision row.
 */
export function planBatch(auctions: Map<string, LockedAuction>, earlier: readonly StoredAnswer[], bids: readonly PendingBid[]): BatchPlan {
  const answers = new Map<string, { fields: BidRequestFields; outcome: BidOutcome }>();
  for (const a of earlier) answers.set(answerKey(a.bidderId, a.clientBidId), { fields: a, outcome: storedOutcome(a) });
  const pseudonyms = new Map<string, string>();
  for (const auction of auctions.values()) {
    if (auction.book.leaderId && auction.leaderPseudonym) pseudonyms.set(auction.book.leaderId, auction.leaderPseudonym);
  }
  for (const b of bids) pseudonyms.set(b.bidder.id, b.bidder.pseudonym);

  const plan: BatchPlan = { outcomes: [], bids: [], decisions: [], books: [], committed: new Map() };
  const lastSeq = new Map<string, number>();

  for (const { bidder, request } of bids) {
    const auctionId = request.auctionId;
    const key = answerKey(bidder.id, request.clientBidId);
    const fields: BidRequestFields = { bidderId: bidder.id, clientBidId: request.clientBidId, auctionId, amount: request.amount, maxAmount: request.maxAmount };
    const previous = answers.get(key);
    if (previous) {
      plan.outcomes.push(sameRequest(previous.fields, fields) ? Object.assign({}, previous.outcome, { duplicate: true }) : rejected('IDEMPOTENCY_MISMATCH', 0));
      continue;
    }
    const decide = (outcome: BidOutcome, seq: number | null) => {
      plan.outcomes.push(outcome);
      if (outcome.accepted || !UNSTORED.has(outcome.reason)) {
        // Only a stored decision answers a resend; an unstored one is decided afresh.
        answers.set(key, { fields, outcome });
        plan.decisions.push({
          bidderId: fields.bidderId,
          clientBidId: fields.clientBidId,
          auctionId: fields.auctionId,
          amount: fields.amount,
          maxAmount: fields.maxAmount,
          accepted: outcome.accepted,
          seq,
          reason: outcome.accepted ? null : outcome.reason,
          nextMinimum: outcome.nextMinimum,
          receivedAt: request.receivedAt,
        });
      }
    };
    const auction = auctions.get(auctionId);
    if (!auction) {
      decide(rejected('UNKNOWN_AUCTION', 0), null);
      continue;
    }
    const decision =
      auction.sellerId === bidder.id
        ? ({ accepted: false, reason: 'NOT_ALLOWED', nextMinimum: minimumNextBid(auction.terms, auction.book) } as const)
        : decideBid(auction.terms, auction.book, { bidderId: bidder.id, amount: request.amount, maxAmount: request.maxAmount, receivedAt: request.receivedAt });
    if (!decision.accepted) {
      decide(rejected(decision.reason, decision.nextMinimum), null);
      continue;
    }

    auction.book = decision.book;
    let seq = lastSeq.get(auctionId) ?? auction.lastSeq;
    const leaderPseudonym = pseudonyms.get(decision.book.leaderId!) ?? '';
    const isReserveMet = reserveMet(auction.terms, decision.book);
    let events = plan.committed.get(auctionId);
    if (!events) plan.committed.set(auctionId, (events = { records: [], outbids: [] }));
    let ownSeq = 0;
    decision.recorded.forEach((entry, index) => {
      seq++;
      const own = index === 0; // the challenger's entry always comes first
      if (own) ownSeq = seq;
      const extended = own && decision.extendedTo !== null;
      plan.bids.push({
        auctionId, seq, bidderId: entry.bidderId, kind: entry.kind, amount: entry.amount, maxAmount: entry.maxAmount,
        clientBidId: own ? request.clientBidId : null, receivedAt: request.receivedAt, priceAfter: decision.price,
        leading: own ? decision.leading : true, nextMinimum: decision.nextMinimum, endAtAfter: decision.book.endAt, extended,
      });
      events.records.push({
        auctionId, seq, bidderId: entry.bidderId, bidderPseudonym: pseudonyms.get(entry.bidderId) ?? '', kind: entry.kind,
        amount: entry.amount, price: decision.price, leaderPseudonym, nextMinimum: decision.nextMinimum, reserveMet: isReserveMet,
        endAt: decision.book.endAt, receivedAt: request.receivedAt, extended,
      });
    });
    lastSeq.set(auctionId, seq);
    if (decision.outbid) events.outbids.push({ auctionId, ...decision.outbid, price: decision.price, nextMinimum: decision.nextMinimum, seq });
    decide(
      { accepted: true, seq: ownSeq, price: decision.price, leading: decision.leading, nextMinimum: decision.nextMinimum, endAt: decision.book.endAt, duplicate: false },
      ownSeq,
    );
  }
  plan.books = [...lastSeq].map(([id, seq]) => ({ auction: auctions.get(id)!, lastSeq: seq }));
  return plan;
}

export function rejected(reason: BidRejection, nextMinimum: number): BidOutcome {
  return { accepted: false, reason, nextMinimum, retryable: reason === 'RATE_LIMITED' || reason === 'TEMPORARILY_UNAVAILABLE', duplicate: false };
}

function answerKey(bidderId: string, clientBidId: string): string {
  return `${bidderId}\u0000${clientBidId}`;
}

function sameRequest(a: BidRequestFields, b: BidRequestFields): boolean {
  return a.auctionId.toLowerCase() === b.auctionId.toLowerCase() && a.amount === b.amount && a.maxAmount === b.maxAmount;
}

function storedOutcome(answer: StoredAnswer): BidOutcome {
  return answer.accepted
    ? { accepted: true, seq: answer.seq, price: answer.price, leading: answer.leading, nextMinimum: answer.nextMinimum, endAt: answer.endAt, duplicate: false }
    : rejected(answer.reason as BidRejection, answer.nextMinimum);
}
