import '../src/gateway/wire/protobuf-numbers';
import { DEFAULT_INCREMENTS, incrementAt } from '../src/auction/domain/increments';
import { bidtape } from '../src/generated/bidtape';
import { createAuction, placeBid, withDb } from './support/auctions';
import { pollUntil } from './support/poll';
import { startTestPlatform, UNLIMITED } from './support/platform';
import type { TestPlatform } from './support/platform';
import { StreamClient } from './support/stream-client';

const Reason = bidtape.v1.BidRejectReason;
const BIDDERS = 200;
const BIDDING_MS = 3000;
const SOFT_CLOSE_MS = 1000;

describe('200 concurrent bidders on one auction (real PostgreSQL, real sockets)', () => {
  let platform: TestPlatform;
  const clients: StreamClient[] = [];

  beforeAll(async () => {
    // Eager synthetic bidders: lift the per-bidder and per-connection message limits.
    platform = await startTestPlatform({ AUCTION_LIFECYCLE_INTERVAL_MS: '50', AUCTION_CLOSE_GRACE_MS: '300', ...UNLIMITED });
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await platform.stop();
  });

  it('keeps every acknowledged bid, no rejected one, prices rising by the increment, one winner', async () => {
    const auction = await createAuction(platform.url, {
      startingPrice: 1000,
      endInMs: BIDDING_MS - 500,
      softCloseWindowSeconds: SOFT_CLOSE_MS / 1000,
      softCloseExtensionSeconds: SOFT_CLOSE_MS / 1000,
    });
    const run = Math.random().toString(36).slice(2, 8);
    for (let i = 0; i < BIDDERS; i++) clients.push(await StreamClient.connect(`${platform.wsUrl}?bidder=c${run}-${i}`));
    const watcher = clients[0];
    watcher.send({ subscribeAuction: { auctionId: auction.id } });
    await watcher.waitFor('auctionSnapshot');

    const accepted = new Map<string, { seq: number; price: number }>();
    const rejected = new Map<string, number>();
    const stopAt = Date.now() + BIDDING_MS;
    await Promise.all(clients.map(async (client, i) => {
      let next = 1000;
      while (Date.now() < stopAt) {
        // Bid the minimum or a little more, as eager bidders do.
        const amount = next + (i % 3) * 10;
        const answer = await placeBid(client, auction.id, amount);
        if (answer.accepted) {
          accepted.set(answer.clientBidId, { seq: answer.accepted.seq!, price: answer.accepted.price! });
          next = answer.accepted.nextMinimum!;
        } else {
          rejected.set(answer.clientBidId, answer.rejected!.reason!);
          if (answer.rejected!.reason === Reason.BID_REJECT_REASON_AUCTION_CLOSED) return;
          next = Math.max(next, answer.rejected!.nextMinimum!);
        }
      }
    }));
    const closed = (await watcher.waitFor('auctionClosed', 1, 10_000)).auctionClosed!;

    // How many depends on the machine and what else runs (cluster tests start several processes);
    // a handful is enough for the invariants below, which are the point.
    expect(accepted.size).toBeGreaterThan(5);
    expect(rejected.size).toBeGreaterThan(0);

    // Checked in the database directly, not through the code under test.
    const { bids, row } = await withDb(async (db) => ({
      bids: (await db.query(
        `SELECT seq::int, bidder_id, client_bid_id, amount::bigint::int AS amount, kind,
                (extract(epoch FROM received_at) * 1000)::bigint::float8 AS received_ms,
                (extract(epoch FROM end_at_after) * 1000)::bigint::float8 AS end_ms
           FROM bids WHERE auction_id = $1 ORDER BY seq`, [auction.id])).rows,
      row: (await db.query(
        `SELECT state, winner_id, current_price::int, last_seq::int, reserve_met,
                (extract(epoch FROM end_at) * 1000)::bigint::float8 AS end_ms,
                (extract(epoch FROM scheduled_end_at) * 1000)::bigint::float8 AS scheduled_end_ms
           FROM auctions WHERE id = $1`, [auction.id])).rows[0],
    }));

    // Sequence numbers are 1..n without gaps; only plain bids here.
    expect(bids.map((b) => b.seq)).toEqual(bids.map((_, i) => i + 1));
    expect(bids.every((b) => b.kind === 'bid')).toBe(true);
    // Each accepted amount beats the previous by at least the increment at that price.
    for (let i = 1; i < bids.length; i++) {
      expect(bids[i].amount).toBeGreaterThanOrEqual(bids[i - 1].amount + incrementAt(bids[i - 1].amount, DEFAULT_INCREMENTS));
    }
    // Every acknowledged bid is stored with the sequence number it was acknowledged with; no rejected one is.
    const stored = new Map(bids.map((b) => [b.client_bid_id, b]));
    for (const [id, ack] of accepted) expect(stored.get(id)?.seq).toBe(ack.seq);
    for (const id of rejected.keys()) expect(stored.has(id)).toBe(false);
    expect(bids).toHaveLength(accepted.size);

    // Soft close: each bid was received before the end in force, and moved it exactly as the rule says.
    let end = row.scheduled_end_ms as number;
    for (const b of bids) {
      expect(b.received_ms).toBeLessThan(end);
      if (b.received_ms >= end - SOFT_CLOSE_MS) end = Math.max(end, b.received_ms + SOFT_CLOSE_MS);
      expect(b.end_ms).toBe(end);
    }
    expect(row.end_ms).toBe(end);

    // Exactly one winner: the last bidder, at the last price, persisted and announced.
    const last = bids[bids.length - 1];
    expect(row).toMatchObject({ state: 'closed', winner_id: last.bidder_id, current_price: last.amount, last_seq: last.seq, reserve_met: true });
    expect(closed).toMatchObject({ auctionId: auction.id, price: last.amount, seq: last.seq });
    await pollUntil('the watcher to see every bid', () => watcher.of('bidUpdate').length === bids.length);
  }, 60_000);
});
