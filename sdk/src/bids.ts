import type { BidtapeError } from './errors';
import { decoded, pb } from './messages';
import type { BidRejectReason, ServerMessage } from './messages';
import { formatMinor, parseDecimal } from './money';

export interface PlaceBidRequest {
  auctionId: string;
  /**
   * The bid: integer minor units of the auction's currency (1050 is 10.50 EUR), or an exact
   * decimal string ("10.50") when the auction's price scale is known (`priceScale`, or an
   * AuctionWatch of this client has had its snapshot).
   */
  amount: number | string;
  /** Proxy maximum, in the same form as `amount`. */
  maxAmount?: number | string;
  /** Idempotency key, 1–64 printable ASCII characters; generated when absent. */
  clientBidId?: string;
  /** The auction's price scale (AuctionState.priceScale): decimal amounts in, decimal strings out. */
  priceScale?: number;
}

/** Amounts of an answer as exact decimal strings, when the auction's price scale is known. */
export interface BidDecimals {
  price: string;
  nextMinimum: string;
}

export interface BidAcceptedResult {
  status: 'accepted';
  accepted: true;
  auctionId: string;
  clientBidId: string;
  /** The bid's sequence number in the auction. */
  seq: number;
  /** Integer minor units. */
  price: number;
  /** False when an earlier proxy maximum was at least as high (an Outbid follows). */
  leading: boolean;
  nextMinimum: number;
  endTimeUs: number;
  /** True when this is the stored answer to an earlier send of the same clientBidId. */
  duplicate: boolean;
  priceScale: number | null;
  decimal: BidDecimals | null;
}

export interface BidRejectedResult {
  status: 'rejected';
  accepted: false;
  auctionId: string;
  clientBidId: string;
  reason: BidRejectReason;
  /** The reason's name without its prefix, e.g. "BELOW_MINIMUM". */
  reasonName: string;
  message: string;
  /** The lowest valid bid now (0 when not applicable). */
  nextMinimum: number;
  /** RATE_LIMITED or TEMPORARILY_UNAVAILABLE: the same bid may succeed later. */
  retryable: boolean;
  duplicate: boolean;
  priceScale: number | null;
  decimal: Pick<BidDecimals, 'nextMinimum'> | null;
}

/**
 * No decision came back. `outcomeUnknown` false: the server refused the message itself (an
 * `Error`, e.g. UNAUTHENTICATED or MALFORMED_MESSAGE: `error.serverCode`), so the bid was not
 * placed. True: the deadline passed or the client closed before an answer (TIMEOUT, CLOSED):
 * the bid may have been recorded, and sending it again with the same clientBidId tells.
 */
export interface BidFailedResult {
  status: 'failed';
  accepted: false;
  auctionId: string;
  clientBidId: string;
  error: BidtapeError;
  outcomeUnknown: boolean;
}

/** Every way a placeBid can end; switch on `status`. */
export type BidResult = BidAcceptedResult | BidRejectedResult | BidFailedResult;

/** The answer to a PlaceBid (a BidAccepted or BidRejected message) as a plain result. */
export function bidResult(answer: ServerMessage, priceScale: number | null): BidAcceptedResult | BidRejectedResult {
  if (answer.kind === 'bidAccepted') {
    const a = decoded(pb.BidAccepted, answer.bidAccepted);
    return {
      status: 'accepted', accepted: true, auctionId: a.auctionId, clientBidId: a.clientBidId, seq: a.seq, price: a.price, leading: a.leading,
      nextMinimum: a.nextMinimum, endTimeUs: a.endTimeUs, duplicate: a.duplicate, priceScale,
      decimal: priceScale === null ? null : { price: formatMinor(a.price, priceScale), nextMinimum: formatMinor(a.nextMinimum, priceScale) },
    };
  }
  const r = decoded(pb.BidRejected, answer.bidRejected);
  return {
    status: 'rejected', accepted: false, auctionId: r.auctionId, clientBidId: r.clientBidId, reason: r.reason,
    reasonName: (pb.BidRejectReason[r.reason] ?? String(r.reason)).replace(/^BID_REJECT_REASON_/, ''), message: r.message,
    nextMinimum: r.nextMinimum, retryable: r.retryable, duplicate: r.duplicate, priceScale,
    decimal: priceScale === null ? null : { nextMinimum: formatMinor(r.nextMinimum, priceScale) },
  };
}

/** A bid amount as integer minor units: numbers must be integers; strings are decimals of the auction's scale. */
export function minorAmount(name: string, value: number | string, priceScale: number | null): number {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new TypeError(`${name} must be an integer in minor units (got ${value})`);
    return value;
  }
  if (priceScale === null) throw new TypeError(`${name} "${value}" is a decimal: pass priceScale (or watch the auction first) to convert it`);
  return parseDecimal(value, priceScale);
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
