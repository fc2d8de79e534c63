import '../src/gateway/wire/protobuf-numbers';
import { DEFAULT_INCREMENTS, incrementAt } from '../src/auction/domain/increments';
import { createAuction, placeBid, withDb } from './support/auctions';
import { startTestPlatform, UNLIMITED } from './support/platform';
import type { TestPlatform } from './support/platform';
import { StreamClient } from './support/stream-client';

/**
 * Two independent app instances (own DI container, own bid queues, own pool) on one
 * database, as two processes would be: the locked auction row must arbitrate.
 */
describe('two app instances bidding on one auction', () => {
  let first: TestPlatform;
  let second: TestPlatform;
  const clients: StreamClient[] = [];

  beforeAll(async () => {
    [first, second] = await Promise.all([startTestPlatform(UNLIMITED), startTestPlatform(UNLIMITED)]);
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await Promise.all([first.stop(), second.stop()]);
  });

  it('never lets two bidders both believe they lead, and stores exactly the acknowledged bids', async () => {
    const auction = await createAuction(first.url, { startingPrice: 1000 });
    const run = Math.random().toString(36).slice(2, 8);
    for (let i = 0; i < 40; i++) {
      const instance = i % 2 ? second : first;
      clients.push(await StreamClient.connect(`${instance.wsUrl}?bidder=mp${run}-${i}`));
    }
    const accepted = new Map<string, { seq: number; leading: boolean; price: number }>();
    const rejected = new Set<string>();
    const stopAt = Date.now() + 2000;
    await Promise.all(clients.map(async (client) => {
      let next = 1000;
      while (Date.now() < stopAt) {
        const answer = await placeBid(client, auction.id, next);
        if (answer.accepted) {
          accepted.set(answer.clientBidId, { seq: answer.accepted.seq!, leading: answer.accepted.leading!, price: answer.accepted.price! });
          next = answer.accepted.nextMinimum!;
        } else {
          rejected.add(answer.clientBidId);
          next = Math.max(next, answer.rejected!.nextMinimum!);
        }
      }
    }));

    const bids = await withDb(async (db) => (await db.query(
      `SELECT seq::int, client_bid_id, amount::bigint::int AS amount FROM bids WHERE auction_id = $1 ORDER BY seq`, [auction.id])).rows);
    expect(accepted.size).toBeGreaterThan(10);
    expect(bids.map((b) => b.seq)).toEqual(bids.map((_, i) => i + 1));
    for (let i = 1; i < bids.length; i++) {
      expect(bids[i].amount).toBeGreaterThanOrEqual(bids[i - 1].amount + incrementAt(bids[i - 1].amount, DEFAULT_INCREMENTS));
    }
    const stored = new Map(bids.map((b) => [b.client_bid_id, b.seq]));
    for (const [id, ack] of accepted) expect(stored.get(id)).toBe(ack.seq);
    for (const id of rejected) expect(stored.has(id)).toBe(false);
    // Each acknowledged price was acknowledged once: no two bidders were told they lead at the same price.
    const leadingPrices = [...accepted.values()].filter((a) => a.leading).map((a) => a.price);
    expect(new Set(leadingPrices).size).toBe(leadingPrices.length);
  }, 30_000);
});
