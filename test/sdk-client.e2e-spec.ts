import { BidtapeClient, BidRejectReason } from '../sdk/src/index';
import type { AuctionEvent, TickUpdate } from '../sdk/src/index';
import { CloseCode } from '../src/gateway/close-codes';
import { ConnectionRegistry } from '../src/gateway/connection-registry.service';
import { createAuction, placeBid, withDb } from './support/auctions';
import { pollUntil } from './support/poll';
import { quoteFor, startTestPlatform, UNLIMITED } from './support/platform';
import type { TestPlatform } from './support/platform';
import { StreamClient } from './support/stream-client';

describe('the TypeScript SDK against a real server', () => {
  let platform: TestPlatform;
  const clients: BidtapeClient[] = [];
  const client = async (options: Partial<ConstructorParameters<typeof BidtapeClient>[0]> = {}) => {
    const c = new BidtapeClient({ url: platform.wsUrl, reconnect: { initialDelayMs: 20, maxDelayMs: 200 }, ...options });
    clients.push(c);
    await c.connect();
    return c;
  };
  const dropAllConnections = () => platform.app.get(ConnectionRegistry).closeAll(CloseCode.GoingAway, 'test: reconnect');

  beforeAll(async () => {
    platform = await startTestPlatform(UNLIMITED);
  });
  afterEach(() => clients.splice(0).forEach((c) => c.close()));
  afterAll(() => platform.stop());

  it('iterates a snapshot then live ticks', async () => {
    const c = await client();
    platform.market.publish(quoteFor('MSFT'));
    const updates: TickUpdate[] = [];
    const subscription = c.subscribe(['MSFT'], { maxRate: 0 });
    const reading = (async () => {
      for await (const u of subscription) {
        updates.push(u);
        if (updates.length === 3) break;
      }
    })();
    await pollUntil('the snapshot', () => updates.length >= 1);
    platform.market.publish(quoteFor('MSFT'));
    platform.market.publish(quoteFor('MSFT'));
    await reading;
    expect(updates[0]).toMatchObject({ symbol: 'MSFT', snapshot: true, instrument: { priceScale: 2 } });
    expect(updates.slice(1).every((u) => !u.snapshot)).toBe(true);
    expect(Number(updates[2].tick.seq)).toBe(Number(updates[1].tick.seq) + 1);
  });

  it('conflates for a slow reader: bounded buffer, newest price kept, ranges merged', async () => {
    const c = new BidtapeClient({ url: platform.wsUrl, bufferSize: 4 });
    clients.push(c);
    await c.connect();
    platform.market.publish(quoteFor('NVDA'));
    platform.market.publish(quoteFor('TSLA'));
    const subscription = c.subscribe(['NVDA', 'TSLA'], { maxRate: 0 });
    await pollUntil('the snapshots', () => subscription.queue.size >= 2);
    let last = 0;
    for (let i = 0; i < 200; i++) {
      platform.market.publish(quoteFor('NVDA'));
      last = platform.market.publish(quoteFor('TSLA')).seq;
    }
    const tslaLatest = platform.market.latest('TSLA')!;
    await pollUntil('the newest TSLA state buffered', () => {
      for (const u of (subscription.queue as unknown as { items: { value: TickUpdate }[] }).items) if (Number(u.value.tick.seq) === last) return true;
      return false;
    });
    expect(subscription.queue.size).toBeLessThanOrEqual(4);
    const drained: TickUpdate[] = [];
    for await (const u of subscription) {
      drained.push(u);
      if (u.symbol === 'TSLA' && Number(u.tick.seq) === tslaLatest.seq) break;
    }
    const tsla = drained.filter((u) => u.symbol === 'TSLA').at(-1)!;
    expect(Number(tsla.tick.lastPrice)).toBe(tslaLatest.lastPrice);
    expect(Number(tsla.tick.firstSeq)).toBeLessThan(Number(tsla.tick.seq)); // it stands for many updates
  });

  it('reconnects by itself, resumes subscriptions and auction history without loss', async () => {
    const c = await client({ bidder: `sdk-${Date.now()}`, reconnect: { initialDelayMs: 2000, maxDelayMs: 3000 } });
    const states: string[] = [];
    c.on('state', (s) => states.push(s));
    const auction = await createAuction(platform.url, { startingPrice: 1000 });
    const events: AuctionEvent[] = [];
    const watch = c.watchAuction(auction.id);
    void (async () => {
      for await (const e of watch) events.push(e);
    })();
    const ticks: TickUpdate[] = [];
    const subscription = c.subscribe(['AMZN'], { maxRate: 0 });
    void (async () => {
      for await (const u of subscription) ticks.push(u);
    })();
    await pollUntil('the auction snapshot', () => events.length >= 1);
    const other = await StreamClient.connect(`${platform.wsUrl}?bidder=sdk-other-${Date.now()}`);
    await placeBid(other, auction.id, 1000);
    await pollUntil('the first bid', () => events.some((e) => e.kind === 'bid'));

    dropAllConnections(); // every connection is told to go away (1001)
    await pollUntil('reconnecting', () => states.includes('reconnecting'));
    const otherAgain = await StreamClient.connect(`${platform.wsUrl}?bidder=sdk-other2-${Date.now()}`);
    await placeBid(otherAgain, auction.id, 1100);
    expect(c.state).toBe('reconnecting'); // this bid happened while the SDK was away
    await pollUntil('resumed', () => states.includes('resumed'), 10_000);
    platform.market.publish(quoteFor('AMZN'));
    await pollUntil('ticks after the resume', () => ticks.some((t) => !t.snapshot));
    await pollUntil('every bid, in order', () => events.filter((e) => e.kind === 'bid').length >= 2);
    const seqs = events.flatMap((e) => (e.kind === 'bid' ? [Number(e.update.seq)] : []));
    expect(seqs).toEqual([1, 2]); // the bid made during the outage was replayed; no gap, no duplicate
    other.close();
    otherAgain.close();
  });

  it('places bids, and a retried bid is answered with the original and stored once', async () => {
    const handle = `sdk-bidder-${Date.now()}`;
    const c = await client({ bidder: handle });
    const auction = await createAuction(platform.url, { startingPrice: 1000 });
    const low = await c.placeBid({ auctionId: auction.id, amount: 10 });
    expect(low).toMatchObject({ accepted: false, reason: BidRejectReason.BID_REJECT_REASON_BELOW_MINIMUM, nextMinimum: 1000 });
    const first = await c.placeBid({ auctionId: auction.id, amount: 1000, clientBidId: 'sdk-retry-1' });
    expect(first).toMatchObject({ accepted: true, leading: true, duplicate: false });
    dropAllConnections();
    const again = await c.placeBid({ auctionId: auction.id, amount: 1000, clientBidId: 'sdk-retry-1' });
    expect(again).toMatchObject({ accepted: true, seq: 1, duplicate: true });
    const rows = await withDb((db) => db.query('SELECT count(*)::int AS n FROM bids WHERE auction_id = $1 AND client_bid_id = $2', [auction.id, 'sdk-retry-1']));
    expect(rows.rows[0].n).toBe(1);
    expect(await c.ping()).toBeGreaterThanOrEqual(0);
  });
});
