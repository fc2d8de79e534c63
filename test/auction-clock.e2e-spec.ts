import '../src/gateway/wire/protobuf-numbers';
import { Clock } from '../src/auction/clock';
import { bidtape } from '../src/generated/bidtape';
import { createAuction, placeBid, withDb } from './support/auctions';
import { pollUntil } from './support/poll';
import { startTestPlatform } from './support/platform';
import type { TestPlatform } from './support/platform';
import { StreamClient } from './support/stream-client';

const HOUR = 3_600_000;

/**
 * Auction state follows one clock, the app's: a platform whose clock runs hours ahead of
 * PostgreSQL's opens, accepts bids on and closes auctions by its own time, and stores that
 * time. Had any decision been left to the database's now(), nothing here would move.
 */
describe('the auction clock (real PostgreSQL, real sockets)', () => {
  let platform: TestPlatform;
  let ahead = 0;
  const clients: StreamClient[] = [];

  beforeAll(async () => {
    platform = await startTestPlatform({ AUCTION_LIFECYCLE_INTERVAL_MS: '50', AUCTION_CLOSE_GRACE_MS: '100' });
    const clock = platform.app.get(Clock);
    jest.spyOn(clock, 'now').mockImplementation(() => Date.now() + ahead);
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await platform.stop();
  });

  const stateOf = async (id: string) =>
    withDb(async (db) => (await db.query<{ state: string; closed_at: Date | null }>('SELECT state, closed_at FROM auctions WHERE id = $1', [id])).rows[0]);

  it('opens, takes bids on and closes an auction by the app clock, storing its time', async () => {
    const auction = await createAuction(platform.url, { startInMs: HOUR, endInMs: 2 * HOUR });
    expect(await stateOf(auction.id)).toMatchObject({ state: 'scheduled' });

    ahead = 1.5 * HOUR; // the app is now inside the auction's window; PostgreSQL's clock is not
    await pollUntil('the lifecycle opens the auction', async () => (await stateOf(auction.id)).state === 'open', 5000);
    const alice = await StreamClient.connect(`${platform.wsUrl}?bidder=clock-alice-${Date.now()}`);
    clients.push(alice);
    const { accepted } = await placeBid(alice, auction.id, 1000);
    expect(accepted).toMatchObject({ seq: 1, price: 1000, leading: true });

    alice.send({ subscribeAuction: { auctionId: auction.id } });
    const snapshot = await pollUntil('the snapshot', () => alice.of('auctionSnapshot')[0]?.auctionSnapshot ?? undefined, 5000);
    expect(snapshot.state).toMatchObject({ status: bidtape.v1.AuctionStatus.AUCTION_STATUS_OPEN, currentPrice: 1000 });

    ahead = 3 * HOUR;
    const closedAt = Date.now() + ahead;
    const closed = await pollUntil('AuctionClosed', () => alice.of('auctionClosed')[0]?.auctionClosed ?? undefined, 5000);
    expect(closed).toMatchObject({ auctionId: auction.id, price: 1000, reserveMet: true });
    const stored = await stateOf(auction.id);
    expect(stored.state).toBe('closed');
    // The stored close time and the announced one are the same instant, on the app's clock.
    expect(Number(closed.closedTimeUs) / 1000).toBe(stored.closed_at!.getTime());
    expect(Math.abs(stored.closed_at!.getTime() - closedAt)).toBeLessThan(5000);
  });

  it('creates an auction open at once when the app clock says it has started', async () => {
    ahead = 10 * HOUR;
    // Started a second ago on the app clock; hours in the future on PostgreSQL's.
    const auction = await createAuction(platform.url, { startInMs: ahead - 1000, endInMs: ahead + HOUR });
    expect(await stateOf(auction.id)).toMatchObject({ state: 'open' });
    const rest = (await (await fetch(`${platform.url}/v1/auctions/${auction.id}`)).json()) as { status: string };
    expect(rest.status).toBe('open');
  });
});
