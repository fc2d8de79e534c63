import { Injectable, Logger } from '@nestjs/common';
import type { QueryRunner } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { EventBus } from '../events/event-bus';
import { AuctionRepository } from './auction.repository';
import type { BidRow, RejectionRow, StoredAnswer } from './auction.repository';
import type { BidderIdentity, BidOutcome, BidRecord, BidRejection, OutbidNotice, PlaceBidRequest } from './auction.types';
import { BidRateLimit } from '../limits/shared-limits';
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
const ALL_AUCTIONS = 'all';

/**
 * Places bids durably. Bids are queued in arrival order and committed in batches (group
 * commit): while one transaction commits, the next batch gathers. A batch is one transaction
 * that locks the rows of the auctions it touches (in id order), decides every bid with the pure
 * rules in arrival order, and writes them. A bid is answered only after its batch committed.
 * The locked rows, not this process's memory, are the source of truth, so several app
 * processes can share the database.
 */
@Injectable()
export class BiddingService {
  private readonly logger = new Logger(BiddingService.name);
  private readonly batcher: KeyedBatcher<typeof ALL_AUCTIONS, PendingBid, BidOutcome>;
  private readonly pendingByAuction = new Map<string, number>();
  private draining = false;

  constructor(
    private readonly repository: AuctionRepository,
    private readonly events: EventBus,
    config: AppConfig,
    private readonly bidRate: BidRateLimit,
  ) {
    // One queue for all auctions: a batch commits bids of many auctions at once, so a commit's
    // cost is shared whether the bids crowd one hot auction or spread over thousands.
    this.batcher = new KeyedBatcher(config.env.BID_BATCH_MAX, (_all, bids) => this.commitBatch(bids));
  }

  async placeBid(bidder: BidderIdentity, request: PlaceBidRequest): Promise<BidOutcome> {
    if (this.draining) return rejected('TEMPORARILY_UNAVAILABLE', 0);
    if (!(await this.bidRate.admit(bidder.id, request.receivedAt))) return rejected('RATE_LIMITED', 0);
    if (!CLIENT_BID_ID.test(request.clientBidId)) return rejected('INVALID_AMOUNT', 0);
    if (request.amount > MAX_BID_AMOUNT || (request.maxAmount ?? 0) > MAX_BID_AMOUNT) return rejected('INVALID_AMOUNT', 0);
    if (!UUID.test(request.auctionId)) return rejected('UNKNOWN_AUCTION', 0);
    this.pendingByAuction.set(request.auctionId, (this.pendingByAuction.get(request.auctionId) ?? 0) + 1);
    return this.batcher.submit(ALL_AUCTIONS, { bidder, request });
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
    return !this.pendingByAuction.has(auctionId);
  }

  private async commitBatch(bids: PendingBid[]): Promise<BidOutcome[]> {
    try {
      return await this.tryCommit(bids, 1);
    } finally {
      for (const { request } of bids) {
        const left = (this.pendingByAuction.get(request.auctionId) ?? 1) - 1;
        if (left > 0) this.pendingByAuction.set(request.auctionId, left);
        else this.pendingByAuction.delete(request.auctionId);
      }
    }
  }

  private async tryCommit(bids: PendingBid[], attempt: number): Promise<BidOutcome[]> {
    try {
      const result = await this.repository.transaction((tx) => this.decideBatch(tx, bids));
      for (const [auctionId, committed] of result.committed) {
        this.events.emit('auction.bids.committed', { auctionId, records: committed.records, outbids: committed.outbids });
      }
      return result.outcomes;
    } catch (error) {
      // Another process stored one of these client bid ids first: decide again, it is now a duplicate.
      if ((error as { code?: string }).code === UNIQUE_VIOLATION && attempt === 1) return this.tryCommit(bids, 2);
      this.logger.error(`bid batch of ${bids.length} failed: ${(error as Error).message}`);
      return bids.map(() => rejected('TEMPORARILY_UNAVAILABLE', 0));
    }
  }

  /** Decides a batch of bids (any auctions) in arrival order, inside one transaction. */
  private async decideBatch(tx: QueryRunner, bids: PendingBid[]) {
    const auctions = await this.repository.lockAuctions(tx, [...new Set(bids.map((b) => b.request.auctionId))]);
    const answers = new Map<string, StoredAnswer | BidOutcome>();
    for (const a of await this.repository.findAnswers(tx, bids.map((b) => ({ bidderId: b.bidder.id, clientBidId: b.request.clientBidId })))) {
      answers.set(answerKey(a.bidderId, a.clientBidId), a);
    }
    const pseudonyms = new Map<string, string>();
    for (const auction of auctions.values()) {
      if (auction.book.leaderId && auction.leaderPseudonym) pseudonyms.set(auction.book.leaderId, auction.leaderPseudonym);
    }
    for (const b of bids) pseudonyms.set(b.bidder.id, b.bidder.pseudonym);

    const outcomes: BidOutcome[] = [];
    const rows: BidRow[] = [];
    const rejections: RejectionRow[] = [];
    const committed = new Map<string, { records: BidRecord[]; outbids: OutbidNotice[] }>();
    const lastSeq = new Map<string, number>();

    for (const { bidder, request } of bids) {
      const auctionId = request.auctionId;
      const key = answerKey(bidder.id, request.clientBidId);
      const earlier = answers.get(key);
      if (earlier) {
        outcomes.push(asDuplicate(earlier));
        continue;
      }
      const auction = auctions.get(auctionId);
      if (!auction) {
        outcomes.push(rejected('UNKNOWN_AUCTION', 0));
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
      let seq = lastSeq.get(auctionId) ?? auction.lastSeq;
      const leaderPseudonym = pseudonyms.get(decision.book.leaderId!) ?? '';
      const isReserveMet = reserveMet(auction.terms, decision.book);
      const events = committed.get(auctionId) ?? committed.set(auctionId, { records: [], outbids: [] }).get(auctionId)!;
      let ownSeq = 0;
      decision.recorded.forEach((entry, index) => {
        seq++;
        const own = index === 0; // the challenger's entry always comes first
        if (own) ownSeq = seq;
        const extended = own && decision.extendedTo !== null;
        rows.push({
          auctionId,
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
          extended,
        });
        events.records.push({
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
          extended,
        });
      });
      lastSeq.set(auctionId, seq);
      if (decision.outbid) {
        events.outbids.push({ auctionId, ...decision.outbid, price: decision.price, nextMinimum: decision.nextMinimum, seq });
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

    await this.repository.insertBids(tx, rows);
    await this.repository.insertRejections(tx, rejections.filter((r) => !TRANSIENT.has(r.reason as BidRejection)));
    await this.repository.updateBooks(tx, [...lastSeq].map(([id, seq]) => ({ auction: auctions.get(id)!, lastSeq: seq })));
    return { outcomes, committed };
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
