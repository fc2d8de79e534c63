import { decoded, pb } from './messages';
import type { BidRejectReason, ServerMessage } from './messages';

export interface PlaceBidRequest {
  auctionId: string;
  /** Integer minor units of the auction's currency. */
  amount: number;
  /** Proxy maximum, integer minor units. */
  maxAmount?: number;
  /** Idempotency key, 1–64 printable ASCII characters; generated when absent. */
  clientBidId?: string;
}

export interface BidAcceptedResult {
  accepted: true;
  auctionId: string;
  clientBidId: string;
  /** The bid's sequence number in the auction. */
  seq: number;
  price: number;
  /** False when an earlier proxy maximum was at least as high (an Outbid follows). */
  leading: boolean;
  nextMinimum: number;
  endTimeUs: number;
  /** True when this is the stored answer to an earlier send of the same clientBidId. */
  duplicate: boolean;
}

export interface BidRejectedResult {
  accepted: false;
  auctionId: string;
  clientBidId: string;
  reason: BidRejectReason;
  message: string;
  /** The lowest valid bid now (0 when not applicable). */
  nextMinimum: number;
  /** RATE_LIMITED or TEMPORARILY_UNAVAILABLE: the same bid may succeed later. */
  retryable: boolean;
  duplicate: boolean;
}

export type BidResult = BidAcceptedResult | BidRejectedResult;

/** The answer to a PlaceBid (a BidAccepted or BidRejected message) as a plain result. */
export function bidResult(answer: ServerMessage): BidResult {
  if (answer.kind === 'bidAccepted') {
    const a = decoded(pb.BidAccepted, answer.bidAccepted);
    return {
      accepted: true, auctionId: a.auctionId, clientBidId: a.clientBidId, seq: a.seq, price: a.price, leading: a.leading,
      nextMinimum: a.nextMinimum, endTimeUs: a.endTimeUs, duplicate: a.duplicate,
    };
  }
  const r = decoded(pb.BidRejected, answer.bidRejected);
  return {
    accepted: false, auctionId: r.auctionId, clientBidId: r.clientBidId, reason: r.reason, message: r.message,
    nextMinimum: r.nextMinimum, retryable: r.retryable, duplicate: r.duplicate,
  };
}

/** A random UUID v4 as the idempotency key of a bid. */
export function newClientBidId(): string {
  const crypto = globalThis.crypto;
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  // randomUUID needs a secure context in browsers; getRandomValues does not.
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
