import { Injectable, Logger } from '@nestjs/common';
import type { QueryRunner } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { EventBus } from '../events/event-bus';
import { AuctionRepository } from './auction.repository';
import type { BidRow, RejectionRow, StoredAnswer } from './auction.repository';
import type { BidderIdentity, BidOutcome, BidRecord, BidRejection, OutbidNotice, PlaceBidRequest } from './auction.types';
import { TokenBucket } from '../limits/token-bucket';
import { KeyedBatcher } from './bid-batcher';
import { decideBid, minimumNextBid, reserveMet } from './domain/auction-rules';

interface PendingBid {
  bidder: BidderIdentity;
  request: PlaceBidRequest;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CLIENT_BID_ID = /^[\x21-\x7e]{1,64}$/;
/** 10^15 minor units: far above any real bid, and next-minimum arithmetic stays exact. */
export const MAX_BID_AMOUNT = 1e15;
/** Transient answers are not stored: a retry with the same client bid id is decided afresh. */
const TRANSIENT: ReadonlySet<BidRejection> = new Set(['RATE_LIMITED', 'TEMPORARILY_UNAVAILABLE', 'UNKNOWN_AUCTION']);
const UNIQUE_VIOLATION = '23505';

/**
 * Places bids durably. Bids for one auction are queued and committed in batches (group
 * commit): each batch is one transaction that locks the auction row, decides every bid with
 * the pure rules in arrival order, and writes them. A bid is answered only after its batch
 * committed. The locked row, not this process's memory, is the source of truth, so several
 * app processes can share the database.
 */
@Injectable()
export class BiddingService {
  private readonly logger = new Logger(BiddingService.name);
  private readonly batcher: KeyedBatcher<string, PendingBid, BidOutcome>;
  private readonly bidBuckets = new Map<string, TokenBucket>();
  private draining = false;

  constructor(
    private readonly repository: AuctionRepository,
    private readonly events: EventBus,
    private readonly config: AppConfig,
  ) {
    this.batcher = new KeyedBatcher(config.env.BID_BATCH_MAX, (auctionId, bids) => this.commitBatch(auctionId, bids));
  }

  async placeBid(bidder: BidderIdentity, request: PlaceBidRequest): Promise<BidOutcome> {
    if (this.draining) return rejected('TEMPORARILY_UNAVAILABLE', 0);
    if (!this.admit(bidder.id, request.receivedAt)) return rejected('RATE_LIMITED', 0);
    if (!CLIENT_BID_ID.test(request.clientBidId)) return rejected('INVALID_AMOUNT', 0);
    if (request.amount > MAX_BID_AMOUNT || (request.maxAmount ?? 0) > MAX_BID_AMOUNT) return rejected('INVALID_AMOUNT', 0);
    if (!UUID.test(request.auctionId)) return rejected('UNKNOWN_AUCTION', 0);
    return this.batcher.submit(request.auctionId, { bidder, request });
  }

  /** Per-bidder bid rate, across all of the bidder's connections in this process. */
  private admit(bidderId: string, nowMs: number): boolean {
    let bucket = this.bidBuckets.get(bidderId);
    if (!bucket) {
      if (this.bidBuckets.size > 100_000) this.bidBuckets.clear(); // bounded memory; a reset only forgives
      const rate = this.config.env.BIDS_PER_SECOND_PER_BIDDER;
      this.bidBuckets.set(bidderId, (bucket = new TokenBucket(rate, rate * 2, nowMs)));
    }
    return bucket.take(nowMs);
  }

  /**
   * Shutdown: refuse new bids (retryable) and wait until every queued bid is committed and
   * answered, so nothing is left half-done. Resolves false if `timeoutMs` passed first.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    this.draining = true;
    const deadline = Date.now() + timeoutMs;
    while (this.batcher.busyKeys > 0) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 10));
    }
    return true;
  }

  /** True when no bid of this auction is queued or being committed in this process. */
  isIdle(auctionId: string): boolean {
    return this.batcher.isIdle(auctionId);
  }

  private async commitBatch(auctionId: string, bids: PendingBid[], attempt = 1): Promise<BidOutcome[]> {
    try {
      const result = await this.repository.transaction((tx) => this.decideBatch(tx, auctionId, bids));
      if (result.records.length > 0) {
        this.events.emit('auction.bids.committed', { auctionId, records: result.records, outbids: result.outbids });
      }
      return result.outcomes;
    } catch (error) {
      // Another process stored one of these client bid ids first: decide again, it is now a duplicate.
      if ((error as { code?: string }).code === UNIQUE_VIOLATION && attempt === 1) {
        return this.commitBatch(auctionId, bids, 2);
      }
      this.logger.error(`bid batch for auction ${auctionId} failed: ${(error as Error).message}`);
      return bids.map(() => rejected('TEMPORARILY_UNAVAILABLE', 0));
    }
  }

  private async decideBatch(tx: QueryRunner, auctionId: string, bids: PendingBid[]) {
    const auction = await this.repository.lockAuction(tx, auctionId);
    if (!auction) return { outcomes: bids.map(() => rejected('UNKNOWN_AUCTION', 0)), records: [], outbids: [] };

    const answers = new Map<string, StoredAnswer | BidOutcome>();
    for (const a of await this.repository.findAnswers(tx, bids.map((b) => ({ bidderId: b.bidder.id, clientBidId: b.request.clientBidId })))) {
      answers.set(answerKey(a.bidderId, a.clientBidId), a);
    }
    const pseudonyms = new Map<string, string>();
    if (auction.book.leaderId && auction.leaderPseudonym) pseudonyms.set(auction.book.leaderId, auction.leaderPseudonym);
    for (const b of bids) pseudonyms.set(b.bidder.id, b.bidder.pseudonym);

    const outcomes: BidOutcome[] = [];
    const rows: BidRow[] = [];
    const rejections: RejectionRow[] = [];
    const records: BidRecord[] = [];
    const outbids: OutbidNotice[] = [];
    let seq = auction.lastSeq;

    for (const { bidder, request } of bids) {
      const key = answerKey(bidder.id, request.clientBidId);
      const earlier = answers.get(key);
      if (earlier) {
        outcomes.push(asDuplicate(earlier));
        continue;
      }
      const decision =
        auction.sellerId === bidder.id
          ? ({ accepted: false, reason: 'NOT_ALLOWED', nextMinimum: minimumNextBid(auction.terms, auction.book) } as const)
          : decideBid(auction.terms, auction.book, {
              bidderId: bidder.id,
              amount: request.amount,
              maxAmount: request.maxAmount,
              receivedAt: request.receivedAt,
            });
      if (!decision.accepted) {
        const outcome = rejected(decision.reason, decision.nextMinimum);
        outcomes.push(outcome);
        answers.set(key, outcome);
        rejections.push({
          bidderId: bidder.id,
          clientBidId: request.clientBidId,
          auctionId,
          amount: Number.isSafeInteger(request.amount) ? request.amount : 0,
          reason: decision.reason,
          nextMinimum: decision.nextMinimum,
          receivedAt: request.receivedAt,
        });
        continue;
      }

      auction.book = decision.book;
      const leaderPseudonym = pseudonyms.get(decision.book.leaderId!) ?? '';
      const isReserveMet = reserveMet(auction.terms, decision.book);
      let ownSeq = 0;
      decision.recorded.forEach((entry, index) => {
        seq++;
        const own = index === 0; // the challenger's entry always comes first
        if (own) ownSeq = seq;
        rows.push({
          seq,
          bidderId: entry.bidderId,
          kind: entry.kind,
          amount: entry.amount,
          maxAmount: entry.maxAmount,
          clientBidId: own ? request.clientBidId : null,
          receivedAt: request.receivedAt,
          priceAfter: decision.price,
          leading: own ? decision.leading : true,
          nextMinimum: decision.nextMinimum,
          endAtAfter: decision.book.endAt,
          extended: own && decision.extendedTo !== null,
        });
        records.push({
          auctionId,
          seq,
          bidderId: entry.bidderId,
          bidderPseudonym: pseudonyms.get(entry.bidderId) ?? '',
          kind: entry.kind,
          amount: entry.amount,
          price: decision.price,
          leaderPseudonym,
          nextMinimum: decision.nextMinimum,
          reserveMet: isReserveMet,
          endAt: decision.book.endAt,
          receivedAt: request.receivedAt,
          extended: own && decision.extendedTo !== null,
        });
      });
      if (decision.outbid) {
        outbids.push({ auctionId, ...decision.outbid, price: decision.price, nextMinimum: decision.nextMinimum, seq });
      }
      const outcome: BidOutcome = {
        accepted: true,
        seq: ownSeq,
        price: decision.price,
        leading: decision.leading,
        nextMinimum: decision.nextMinimum,
        endAt: decision.book.endAt,
        duplicate: false,
      };
      outcomes.push(outcome);
      answers.set(key, outcome);
    }

    await this.repository.insertBids(tx, auctionId, rows);
    await this.repository.insertRejections(tx, rejections.filter((r) => !TRANSIENT.has(r.reason as BidRejection)));
    if (rows.length > 0) await this.repository.updateBook(tx, auction, seq);
    return { outcomes, records, outbids };
  }
}

function answerKey(bidderId: string, clientBidId: string): string {
  return `${bidderId}\u0000${clientBidId}`;
}

function rejected(reason: BidRejection, nextMinimum: number): BidOutcome {
  return { accepted: false, reason, nextMinimum, retryable: reason === 'RATE_LIMITED' || reason === 'TEMPORARILY_UNAVAILABLE', duplicate: false };
}

function asDuplicate(answer: StoredAnswer | BidOutcome): BidOutcome {
  if ('bidderId' in answer) {
    return answer.accepted
      ? { accepted: true, seq: answer.seq, price: answer.price, leading: answer.leading, nextMinimum: answer.nextMinimum, endAt: answer.endAt, duplicate: true }
      : { ...rejected(answer.reason as BidRejection, answer.nextMinimum), duplicate: true };
  }
  return { ...answer, duplicate: true };
}
