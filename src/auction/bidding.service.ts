import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import type { PipelinedTransaction } from '../database/pipelined-pool';
import { EventBus } from '../events/event-bus';
import { Telemetry } from '../metrics/telemetry';
import { AuctionRepository } from './auction.repository';
import type { BidderIdentity, BidOutcome, PlaceBidRequest } from './auction.types';
import { BidRateLimit } from '../limits/shared-limits';
import { GroupCommitQueue } from './bid-batcher';
import type { BatchControl } from './bid-batcher';
import { BatchTurn } from './batch-turn';
import { canonicalId, isUuid } from './domain/ids';
import { planBatch, rejected } from './domain/batch-plan';
import type { BatchPlan, PendingBid } from './domain/batch-plan';

const CLIENT_BID_ID = /^[\x21-\x7e]{1,64}$/;
/** 10^15 minor units: far above any real bid, and next-minimum arithmetic stays exact. */
export const MAX_BID_AMOUNT = 1e15;
const UNIQUE_VIOLATION = '23505';

/** A bid in the queue, with where its answer goes. */
interface QueuedBid extends PendingBid {
  answer: (outcome: BidOutcome) => void;
}

/**
 * Places bids durably. Bids are queued in arrival order and committed in batches (group
 * commit): while a batch commits (or BID_BATCHES_IN_FLIGHT of them), the next gathers. A batch
 * is one transaction that locks the rows of the auctions it touches (in id order), plans every
 * decision with the pure planner (domain/batch-plan.ts) in arrival order, and writes the plan.
 * A bid is answered only after its batch committed. The locked rows, not this process's
 * memory, are the source of truth, so several app processes can share the database.
 */
@Injectable()
export class BiddingService {
  private readonly logger = new Logger(BiddingService.name);
  private readonly batches: GroupCommitQueue<QueuedBid, BidOutcome>;
  private readonly pendingByAuction = new Map<string, number>();
  private draining = false;
  private lastTurn?: BatchTurn;

  constructor(
    private readonly repository: AuctionRepository,
    private readonly events: EventBus,
    config: AppConfig,
    private readonly bidRate: BidRateLimit,
    private readonly telemetry: Telemetry,
  ) {
    // One queue for all auctions: a batch commits bids of many auctions at once, so a commit's
    // cost is shared whether the bids crowd one hot auction or spread over thousands. With
    // several batches in flight, the next one starts once the one before has sent its write,
    // with bids of other auctions only: it overlaps that commit (the WAL flush) without
    // waiting for its row locks.
    this.batches = new GroupCommitQueue(
      { maxBatch: config.env.BID_BATCH_MAX, maxInFlight: config.env.BID_BATCHES_IN_FLIGHT, keyOf: (bid: QueuedBid) => bid.request.auctionId },
      (bids, control) => this.commitBatch(bids, control),
    );
  }

  /**
   * Decides one bid. `answer` gets the outcome exactly once, before anything the bid's batch
   * announces (outbid notices, watchers' updates): a bidder reads its own answer first.
   */
  async placeBid(bidder: BidderIdentity, sent: PlaceBidRequest, answer: (outcome: BidOutcome) => void = () => undefined): Promise<BidOutcome> {
    const { amount, maxAmount, clientBidId, receivedAt } = sent;
    const request: PlaceBidRequest = { auctionId: canonicalId(sent.auctionId), amount, maxAmount, clientBidId, receivedAt };
    const refusal = await this.refusal(bidder, request);
    if (refusal) {
      answer(refusal);
      return refusal;
    }
    this.pendingByAuction.set(request.auctionId, (this.pendingByAuction.get(request.auctionId) ?? 0) + 1);
    return this.batches.submit({ bidder, request, answer });
  }

  /** The answer to a bid that never reaches the database, if it is one. */
  private async refusal(bidder: BidderIdentity, request: PlaceBidRequest): Promise<BidOutcome | null> {
    if (this.draining) return rejected('TEMPORARILY_UNAVAILABLE', 0);
    if (!(await this.bidRate.admit(bidder.id, request.receivedAt))) return rejected('RATE_LIMITED', 0);
    if (!CLIENT_BID_ID.test(request.clientBidId)) return rejected('INVALID_AMOUNT', 0);
    if (request.amount > MAX_BID_AMOUNT || (request.maxAmount ?? 0) > MAX_BID_AMOUNT) return rejected('INVALID_AMOUNT', 0);
    if (!isUuid(request.auctionId)) return rejected('UNKNOWN_AUCTION', 0);
    return null;
  }

  /**
   * Shutdown: refuse new bids (retryable) and wait until every queued bid is committed and
   * answered, so nothing is left half-done. Resolves false if `timeoutMs` passed first.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    this.draining = true;
    const deadline = Date.now() + timeoutMs;
    while (!this.batches.idle) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 10));
    }
    return true;
  }

  /** True when no bid of this auction is queued or being committed in this process. */
  isIdle(auctionId: string): boolean {
    return !this.pendingByAuction.has(auctionId);
  }

  /**
   * One batch, possibly while earlier ones still commit (never on the same auctions: the queue
   * keeps a bid back while a running batch holds its auction). Two orders are kept across
   * batches: a batch asks for its row locks only once the batch before holds its own, and it
   * announces and answers only after the batch before has.
   */
  private async commitBatch(bids: QueuedBid[], control: BatchControl): Promise<BidOutcome[]> {
    const turn = this.nextTurn();
    try {
      const plan = await this.tryCommit(bids, turn, control, 1);
      await turn.predecessorDelivered;
      const outcomes = plan ? plan.outcomes : bids.map(() => rejected('TEMPORARILY_UNAVAILABLE', 0));
      bids.forEach((bid, i) => {
        try {
          bid.answer(outcomes[i]);
        } catch (error) {
          this.logger.error(`answering a bid failed: ${(error as Error).message}`); // the others are still answered
        }
      });
      for (const [auctionId, committed] of plan?.committed ?? []) {
        this.events.emit('auction.bids.committed', { auctionId, records: committed.records, outbids: committed.outbids });
      }
      return outcomes;
    } finally {
      turn.locked();
      turn.delivered();
      for (const { request } of bids) {
        const left = (this.pendingByAuction.get(request.auctionId) ?? 1) - 1;
        if (left > 0) this.pendingByAuction.set(request.auctionId, left);
        else this.pendingByAuction.delete(request.auctionId);
      }
    }
  }

  private nextTurn(): BatchTurn {
    const turn = new BatchTurn(this.lastTurn);
    this.lastTurn = turn;
    return turn;
  }

  /** The committed plan, or null when the batch could not be committed (every bid is answered retryable). */
  private async tryCommit(bids: PendingBid[], turn: BatchTurn, control: BatchControl, attempt: number): Promise<BatchPlan | null> {
    try {
      const endTimer = this.telemetry.bidCommitSeconds.startTimer();
      const plan = await this.repository.transaction((tx) => this.decideBatch(tx, bids, turn, control));
      endTimer();
      this.telemetry.bidBatchSize.observe(bids.length);
      return plan;
    } catch (error) {
      // Another process stored one of these client bid ids first: decide again, it is now a
      // duplicate. (Its locks are taken again after any later batch of ours that got them meanwhile.)
      if ((error as { code?: string }).code === UNIQUE_VIOLATION && attempt === 1) return this.tryCommit(bids, turn, control, 2);
      this.logger.error(`bid batch of ${bids.length} failed: ${(error as Error).message}`);
      return null;
    }
  }

  /**
   * One transaction: lock the touched auctions, read earlier decisions, plan (pure), write the
   * plan. The lock and the lookup go out together, and the write goes out with the COMMIT:
   * two round trips per batch.
   */
  private async decideBatch(tx: PipelinedTransaction, bids: PendingBid[], turn: BatchTurn, control: BatchControl): Promise<BatchPlan> {
    if (!turn.mayLock) await turn.predecessorLocked;
    const locking = this.repository.lockAuctions(tx, [...new Set(bids.map((b) => b.request.auctionId))]).finally(() => turn.locked());
    const looking = this.repository.findAnswers(tx, bids.map((b) => ({ bidderId: b.bidder.id, clientBidId: b.request.clientBidId })));
    const [auctions, earlier] = await Promise.all([locking, looking]);
    const plan = planBatch(auctions, earlier, bids);
    void this.repository.writePlan(tx, plan);
    control.handOff();
    return plan;
  }
}
