import type { LockedAuction } from '../auction.types';
import { planBatch } from './batch-plan';
import type { PendingBid, StoredAnswer } from './batch-plan';
import { DEFAULT_INCREMENTS } from './increments';

const START = Date.UTC(2030, 0, 1, 12);
const MID = START + 10 * 60_000;
const END = START + 60 * 60_000;
const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';

function auction(id: string, fields: Partial<LockedAuction> = {}): LockedAuction {
  return {
    id, title: 'Lot', currency: 'EUR', priceScale: 2, sellerId: 'seller', state: 'open',
    terms: { startingPrice: 1_000, reservePrice: null, increments: DEFAULT_INCREMENTS, startAt: START, endAt: END, softCloseWindowMs: 0, softCloseExtensionMs: 0 },
    book: { closed: false, currentPrice: 0, leaderId: null, leaderMax: 0, bidCount: 0, endAt: END },
    lastSeq: 0, leaderPseudonym: null, winnerPseudonym: null, reserveMetAtClose: null, closedAt: null,
    ...fields,
  };
}

const bidder = (id: string) => ({ id, handle: id, pseudonym: `p-${id}` });
function pending(bidderId: string, auctionId: string, amount: number, clientBidId: string, maxAmount: number | null = null): PendingBid {
  return { bidder: bidder(bidderId), request: { auctionId, amount, maxAmount, clientBidId, receivedAt: MID } };
}
const auctions = (...list: LockedAuction[]) => new Map(list.map((a) => [a.id, a]));

describe(planBatch.name, () => {
  it('numbers accepted bids per auction after its last seq, in arrival order', () => {
    const plan = planBatch(auctions(auction(A, { lastSeq: 7 }), auction(B)), [], [
      pending('x', A, 1_000, 'x1'), pending('y', B, 1_000, 'y1'), pending('y', A, 1_100, 'y2'),
    ]);
    // A: 10.00 opens at seq 8, then 11.00 (10.00 + the 1.00 band increment) at seq 9; B opens at seq 1.
    expect(plan.outcomes.map((o) => (o.accepted ? o.seq : o.reason))).toEqual([8, 1, 9]);
    expect(plan.bids.map((r) => [r.auctionId, r.seq, r.clientBidId])).toEqual([[A, 8, 'x1'], [B, 1, 'y1'], [A, 9, 'y2']]);
    expect(plan.books.map((b) => [b.auction.id, b.lastSeq])).toEqual([[A, 9], [B, 1]]);
    expect(plan.committed.get(A)!.outbids).toEqual([expect.objectContaining({ bidderId: 'x', seq: 9, price: 1_100 })]);
  });

  it('stores one decision per request, accepted or rejected, but not the unstored kinds', () => {
    const plan = planBatch(auctions(auction(A)), [], [
      pending('x', A, 1_000, 'x1'), pending('y', A, 1_000, 'y1'), pending('z', B, 1_000, 'z1'),
    ]);
    expect(plan.outcomes.map((o) => (o.accepted ? 'accepted' : o.reason))).toEqual(['accepted', 'BELOW_MINIMUM', 'UNKNOWN_AUCTION']);
    expect(plan.decisions.map((d) => [d.clientBidId, d.accepted, d.seq, d.reason])).toEqual([['x1', true, 1, null], ['y1', false, null, 'BELOW_MINIMUM']]);
  });

  it('decides a copy of an unstored rejection afresh, also within one batch (not a duplicate)', () => {
    // z1 names an unknown auction twice; z2 reuses the id for a known one: nothing was stored for z1.
    const plan = planBatch(auctions(auction(A)), [], [pending('z', B, 1_000, 'z1'), pending('z', B, 1_000, 'z1'), pending('z', A, 1_000, 'z1')]);
    expect(plan.outcomes.map((o) => (o.accepted ? 'accepted' : `${o.reason} duplicate=${o.duplicate}`))).toEqual([
      'UNKNOWN_AUCTION duplicate=false', 'UNKNOWN_AUCTION duplicate=false', 'accepted',
    ]);
    expect(plan.decisions.map((d) => [d.clientBidId, d.auctionId, d.accepted])).toEqual([['z1', A, true]]);
  });

  it('refuses the seller bidding on their own auction', () => {
    const plan = planBatch(auctions(auction(A)), [], [pending('seller', A, 1_000, 's1')]);
    expect(plan.outcomes[0]).toMatchObject({ accepted: false, reason: 'NOT_ALLOWED', nextMinimum: 1_000, retryable: false });
  });

  describe('a client bid id names one request, whatever auction it names', () => {
    const stored: StoredAnswer = {
      bidderId: 'x', clientBidId: 'c1', auctionId: A, amount: 1_000, maxAmount: null,
      accepted: true, seq: 3, price: 1_000, leading: true, nextMinimum: 1_100, endAt: END,
    };

    it.each([
      ['the same request again: the stored answer, marked duplicate', pending('x', A, 1_000, 'c1'), { accepted: true, seq: 3, duplicate: true }],
      ['another auction: refused, not decided', pending('x', B, 1_000, 'c1'), { accepted: false, reason: 'IDEMPOTENCY_MISMATCH', retryable: false, duplicate: false }],
      ['another amount: refused', pending('x', A, 2_000, 'c1'), { accepted: false, reason: 'IDEMPOTENCY_MISMATCH' }],
      ['another maximum: refused', pending('x', A, 1_000, 'c1', 5_000), { accepted: false, reason: 'IDEMPOTENCY_MISMATCH' }],
      ['another bidder with the same id: its own request', pending('y', A, 1_100, 'c1'), { accepted: true, seq: 1, duplicate: false }],
    ] as const)('%s', (_case, request, expected) => {
      const plan = planBatch(auctions(auction(A), auction(B)), [stored], [request]);
      expect(plan.outcomes[0]).toMatchObject(expected);
      if (request.bidder.id === 'x') expect(plan.decisions).toEqual([]);
    });

    it('holds between requests of the same batch, and a rejected original stays rejected', () => {
      const plan = planBatch(auctions(auction(A), auction(B)), [], [
        pending('x', A, 500, 'c2'), pending('x', A, 500, 'c2'), pending('x', B, 1_000, 'c2'),
      ]);
      expect(plan.outcomes.map((o) => [o.accepted, o.accepted ? 0 : o.reason, o.duplicate])).toEqual([
        [false, 'BELOW_MINIMUM', false], [false, 'BELOW_MINIMUM', true], [false, 'IDEMPOTENCY_MISMATCH', false],
      ]);
      expect(plan.decisions).toHaveLength(1);
    });
  });
});
