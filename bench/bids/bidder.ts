/**
 * One bench bidder: a WebSocket connection opened with its own bidder handle, speaking the
 * binary protocol. It correlates answers to its bids by request id and remembers, per auction,
 * what its own answers and outbid notices told it: the next minimum and whether it leads.
 */
import * as protobuf from 'protobufjs/minimal';
import WebSocket from 'ws';
import { bidtape } from '../../src/generated/bidtape';

// int64 fields decode as plain numbers (every amount and seq stays below 2^53).
protobuf.util.Long = undefined as unknown as typeof protobuf.util.Long;
protobuf.configure();

const pb = bidtape.v1;
export const Reason = pb.BidRejectReason;
export const SUBPROTOCOL = 'bidtape.v1.proto';

/** Rejections the server does not store (a retry is decided afresh); none should happen here. */
export const NOT_STORED: ReadonlySet<bidtape.v1.BidRejectReason> = new Set([
  Reason.BID_REJECT_REASON_RATE_LIMITED,
  Reason.BID_REJECT_REASON_TEMPORARILY_UNAVAILABLE,
  Reason.BID_REJECT_REASON_UNKNOWN_AUCTION,
  Reason.BID_REJECT_REASON_INVALID_AMOUNT,
]);

/** `BID_REJECT_REASON_BELOW_MINIMUM` → `BELOW_MINIMUM`, as the server stores it. */
export function reasonName(reason: bidtape.v1.BidRejectReason): string {
  return (Reason[reason] ?? `REASON_${reason}`).replace(/^BID_REJECT_REASON_/, '');
}

export interface Answer {
  handle: string;
  auctionId: string;
  clientBidId: string;
  amount: number;
  accepted: boolean;
  /** Sequence number of an accepted bid, 0 otherwise. */
  seq: number;
  leading: boolean;
  nextMinimum: number;
  /** Set on a rejection. */
  reason: bidtape.v1.BidRejectReason;
  duplicate: boolean;
  /** performance.now() when the bid was handed to the socket and when its answer was decoded. */
  sentAt: number;
  answeredAt: number;
}

/** What a bidder knows about one auction from its own answers. */
export interface AuctionView {
  /** Amount of its next bid: the last answer's next minimum (starting price before any). */
  next: number;
  leading: boolean;
  inFlight: number;
}

interface Pending {
  auctionId: string;
  clientBidId: string;
  amount: number;
  sentAt: number;
  resolve: (answer: Answer) => void;
}

export class Bidder {
  private nextRequestId = 1;
  private nextClientBidId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly views = new Map<string, AuctionView>();
  private closing = false;
  /** Set when the server closed the connection while the bench still needed it. */
  lost?: string;

  private constructor(
    readonly handle: string,
    private readonly ws: WebSocket,
    private readonly startingPrice: number,
  ) {
    ws.on('message', (data: Buffer) => this.onMessage(data));
    ws.on('close', (code: number, reason: Buffer) => {
      if (!this.closing) this.lost = `connection of ${handle} closed by the server: ${code} ${reason.toString()}`;
    });
    ws.on('error', (error) => {
      if (!this.closing) this.lost = `connection of ${handle} failed: ${error.message}`;
    });
  }

  static open(wsUrl: string, handle: string, startingPrice: number): Promise<Bidder> {
    const ws = new WebSocket(`${wsUrl}?bidder=${encodeURIComponent(handle)}`, SUBPROTOCOL, { perMessageDeflate: false });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`${handle}: no handshake after 30 s`));
      }, 30_000);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve(new Bidder(handle, ws, startingPrice));
      });
      ws.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  view(auctionId: string): AuctionView {
    let view = this.views.get(auctionId);
    if (!view) this.views.set(auctionId, (view = { next: this.startingPrice, leading: false, inFlight: 0 }));
    return view;
  }

  /** Bids answered neither way yet. */
  get outstanding(): number {
    return this.pending.size;
  }

  /** Sends a bid of the known next minimum (or `amount`); resolves with the answer. */
  bid(auctionId: string, tag: string, amount = this.view(auctionId).next): Promise<Answer> {
    const requestId = this.nextRequestId++;
    if (this.nextRequestId > 0xffffffff) this.nextRequestId = 1;
    const clientBidId = `${tag}-${this.nextClientBidId++}`;
    const frame = pb.ClientMessage.encode({ id: requestId, placeBid: { auctionId, amount, clientBidId } }).finish();
    this.view(auctionId).inFlight++;
    return new Promise<Answer>((resolve) => {
      this.pending.set(requestId, { auctionId, clientBidId, amount, sentAt: performance.now(), resolve });
      this.ws.send(frame);
    });
  }

  /** Forgets bids that will not be answered any more (after a drain timeout). */
  abandonPending(): number {
    const count = this.pending.size;
    this.pending.clear();
    return count;
  }

  close(): void {
    this.closing = true;
    this.ws.terminate();
  }

  private onMessage(data: Buffer): void {
    const answeredAt = performance.now();
    const message = pb.ServerMessage.decode(data);
    if (message.outbid) {
      const view = this.views.get(message.outbid.auctionId ?? '');
      if (view) {
        view.leading = false;
        view.next = Math.max(view.next, Number(message.outbid.nextMinimum ?? 0));
      }
      return;
    }
    const answer = message.bidAccepted ?? message.bidRejected;
    if (!answer) return;
    const requestId = answer.requestId ?? 0;
    const pending = this.pending.get(requestId);
    if (!pending) return;
    this.pending.delete(requestId);
    const accepted = Boolean(message.bidAccepted);
    const reason = message.bidRejected?.reason ?? Reason.BID_REJECT_REASON_UNSPECIFIED;
    const nextMinimum = Number(answer.nextMinimum ?? 0);
    const view = this.view(pending.auctionId);
    view.inFlight--;
    if (nextMinimum > 0) view.next = nextMinimum;
    if (accepted) view.leading = Boolean(message.bidAccepted!.leading);
    else if (reason === Reason.BID_REJECT_REASON_ALREADY_LEADING) view.leading = true;
    else if (reason === Reason.BID_REJECT_REASON_BELOW_MINIMUM) view.leading = false;
    pending.resolve({
      handle: this.handle,
      auctionId: pending.auctionId,
      clientBidId: pending.clientBidId,
      amount: pending.amount,
      accepted,
      seq: Number(message.bidAccepted?.seq ?? 0),
      leading: Boolean(message.bidAccepted?.leading),
      nextMinimum,
      reason,
      duplicate: Boolean(answer.duplicate),
      sentAt: pending.sentAt,
      answeredAt,
    });
  }
}

/** Opens `count` bidders `prefix-0` ... with at most `concurrency` handshakes in flight. */
export async function openBidders(wsUrl: string, prefix: string, count: number, startingPrice: number, concurrency = 50): Promise<Bidder[]> {
  const bidders: Bidder[] = new Array<Bidder>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      bidders[index] = await Bidder.open(wsUrl, `${prefix}-${index}`, startingPrice);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  } catch (error) {
    bidders.forEach((b) => b?.close());
    throw error;
  }
  return bidders;
}
