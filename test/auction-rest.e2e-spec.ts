import { bidtape } from '../src/generated/bidtape';
import { createAuction, placeBid, withDb } from './support/auctions';
import { startTestPlatform, TEST_ADMIN_TOKEN } from './support/platform';
import type { TestPlatform } from './support/platform';
import { StreamClient } from './support/stream-client';

const pb = bidtape.v1;

describe('auctions REST API', () => {
  let platform: TestPlatform;
  const ADMIN_TOKEN = TEST_ADMIN_TOKEN;
  beforeAll(async () => {
    platform = await startTestPlatform();
  });
  afterAll(() => platform.stop());

  const post = (body: unknown, query = '?bidder=rest-seller', headers: Record<string, string> = {}) =>
    fetch(`${platform.url}/v1/auctions${query}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const lot = () => ({ title: 'Lot', currency: 'EUR', startingPrice: 1000, endAt: new Date(Date.now() + 60_000).toISOString() });

  it('lets only sellers (auction:write, as themselves) and the admin create auctions', async () => {
    const anonymous = await post(lot(), '');
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ statusCode: 401, code: 'CREDENTIALS_REQUIRED' });
    const key = (await (await fetch(`${platform.url}/v1/admin/keys`, {
      method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'reader', scopes: ['feed:read', 'bid:write'] }),
    })).json() as { key: string }).key;
    const reader = await post(lot(), '', { 'x-api-key': key });
    expect(reader.status).toBe(403); // no auction:write
    expect(await reader.json()).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
    expect((await post({ ...lot(), sellerHandle: 'someone-else' })).status).toBe(403); // not as themselves
    const own = await post(lot());
    expect(own.status).toBe(201);
    const { id } = (await own.json()) as { id: string };
    const mine = (await (await fetch(`${platform.url}/v1/auctions?seller=rest-seller&limit=200`)).json()) as { id: string }[];
    expect(mine.map((a) => a.id)).toContain(id); // created as the credential's own bidder
    const byAdmin = await post({ ...lot(), sellerHandle: 'consigned-seller' }, '', { authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(byAdmin.status).toBe(201);
  });

  it('creates an auction and never reveals its reserve price', async () => {
    const created = await createAuction(platform.url, { title: 'Leica M6', startingPrice: 150_000, reservePrice: 200_000 });
    expect(created).toMatchObject({ title: 'Leica M6', status: 'open', startingPrice: 150_000, currentPrice: 0, nextMinimum: 150_000,
      hasReserve: true, reserveMet: false, bidCount: 0, leader: null });
    expect(JSON.stringify(created)).not.toContain('200000');
    const fetched = (await (await fetch(`${platform.url}/v1/auctions/${created.id}`)).json()) as Record<string, unknown>;
    expect(fetched).toMatchObject({ id: created.id, status: 'open' });
  });

  it('lists auctions by status and seller', async () => {
    const seller = `lister-${Date.now()}`; // other tests create auctions concurrently
    const all = async (status: string) =>
      (await (await fetch(`${platform.url}/v1/auctions?status=${status}&seller=${seller}&limit=200`)).json()) as { id: string; status: string }[];
    const open = await createAuction(platform.url, { sellerHandle: seller });
    const later = await createAuction(platform.url, { sellerHandle: seller, startInMs: 3_600_000, endInMs: 7_200_000 });
    await createAuction(platform.url); // another seller's
    const openList = await all('open');
    expect(openList.map((a) => a.id)).toEqual([open.id]);
    expect(openList.some((a) => a.id === open.id)).toBe(true);
    expect(openList.every((a) => a.status === 'open')).toBe(true);
    const scheduled = await all('scheduled');
    expect(scheduled.find((a) => a.id === later.id)?.status).toBe('scheduled');
    expect(openList.some((a) => a.id === later.id)).toBe(false);
  });

  it('pages the bid history by seq', async () => {
    const auction = await createAuction(platform.url, { startingPrice: 1000 });
    const [a, b] = await Promise.all([
      StreamClient.connect(`${platform.wsUrl}?bidder=rest-a-${auction.id.slice(0, 8)}`),
      StreamClient.connect(`${platform.wsUrl}?bidder=rest-b-${auction.id.slice(0, 8)}`),
    ]);
    for (let i = 0; i < 5; i++) await placeBid(i % 2 ? b : a, auction.id, 1000 + i * 50);
    a.close();
    b.close();
    const page1 = (await (await fetch(`${platform.url}/v1/auctions/${auction.id}/bids?limit=3`)).json()) as { bids: { seq: number; amount: number }[]; nextAfterSeq: number };
    expect(page1.bids.map((x) => [x.seq, x.amount])).toEqual([[1, 1000], [2, 1050], [3, 1100]]);
    expect(page1.nextAfterSeq).toBe(3);
    const page2 = (await (await fetch(`${platform.url}/v1/auctions/${auction.id}/bids?afterSeq=3&limit=3`)).json()) as { bids: { seq: number }[]; nextAfterSeq: number | null };
    expect(page2.bids.map((x) => x.seq)).toEqual([4, 5]);
    expect(page2.nextAfterSeq).toBeNull();
  });

  it.each([
    [{ title: 'x', currency: 'EUR', startingPrice: 10.5, endAt: new Date(Date.now() + 60_000).toISOString() }, 'startingPrice', undefined],
    [{ title: 'x', currency: 'euro', startingPrice: 100, endAt: new Date(Date.now() + 60_000).toISOString() }, 'currency', undefined],
    [{ title: 'x', currency: 'EUR', startingPrice: 100, endAt: new Date(Date.now() - 60_000).toISOString() }, 'endAt must be after startAt', 'INVALID_SCHEDULE'],
    [{ title: 'x', currency: 'EUR', startingPrice: 100, reservePrice: 50, endAt: new Date(Date.now() + 60_000).toISOString() }, 'reservePrice', 'INVALID_RESERVE'],
    [{ title: 'x', currency: 'EUR', startingPrice: 100, endAt: new Date(Date.now() + 60_000).toISOString(), increments: [{ upTo: 500, increment: 5 }] }, 'increments', 'INVALID_INCREMENTS'],
  ])('answers a bad auction with 400 naming the problem (%j)', async (body, problem, code) => {
    const response = await post(body);
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { code?: string };
    expect(JSON.stringify(answer)).toContain(problem);
    expect(answer.code).toBe(code); // validation failures carry no code (docs/protocol.md, REST errors)
  });

  it('answers 404 for an unknown auction and serves the OpenAPI document', async () => {
    const unknown = await fetch(`${platform.url}/v1/auctions/00000000-0000-4000-8000-000000000000`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ statusCode: 404, code: 'AUCTION_NOT_FOUND', error: 'Not Found' });
    const openApi = (await (await fetch(`${platform.url}/docs/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(openApi.paths)).toEqual(expect.arrayContaining(['/v1/auctions', '/v1/auctions/{id}', '/v1/auctions/{id}/bids',
      '/v1/instruments', '/v1/instruments/{symbol}/candles', '/v1/publish', '/v1/admin/instruments']));
    // Operators' endpoints are not part of the REST API document.
    expect(Object.keys(openApi.paths).filter((p) => p.startsWith('/health') || p === '/metrics')).toEqual([]);
  });
});

describe('an auction past its end, before the close is stored', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ AUCTION_CLOSE_GRACE_MS: '60000' }); // the close is not stored during this test
  });
  afterAll(() => platform.stop());

  it('already names its winner, in REST and in the stream snapshot, as the close will', async () => {
    const auction = await createAuction(platform.url, { startingPrice: 1000, endInMs: 700 });
    const bidder = await StreamClient.connect(`${platform.wsUrl}?bidder=ended-${process.pid}`);
    const bid = await placeBid(bidder, auction.id, 1000);
    expect(bid.accepted).not.toBeNull();
    const { leader: pseudonym } = (await (await fetch(`${platform.url}/v1/auctions/${auction.id}`)).json()) as { leader: string };
    expect(pseudonym).toMatch(/^bidder-/);
    await new Promise((resolve) => setTimeout(resolve, 800));

    const view = (await (await fetch(`${platform.url}/v1/auctions/${auction.id}`)).json()) as { status: string; winner: string | null };
    expect(view).toMatchObject({ status: 'closed', winner: pseudonym });
    const watcher = await StreamClient.connect(platform.wsUrl);
    watcher.send({ subscribeAuction: { auctionId: auction.id } });
    const snapshot = (await watcher.waitFor('auctionSnapshot')).auctionSnapshot!.state!;
    expect(snapshot).toMatchObject({ status: pb.AuctionStatus.AUCTION_STATUS_CLOSED, winner: pseudonym });
    expect(await withDb(async (db) => (await db.query('SELECT state FROM auctions WHERE id = $1', [auction.id])).rows[0].state)).toBe('open');
    bidder.close();
    watcher.close();
  });

  it('lists it under the status it shows, closed, not under the stored state', async () => {
    const seller = `ended-lister-${Date.now()}`;
    const auction = await createAuction(platform.url, { sellerHandle: seller, endInMs: 300 });
    await new Promise((resolve) => setTimeout(resolve, 400));
    const list = async (status: string) =>
      ((await (await fetch(`${platform.url}/v1/auctions?status=${status}&seller=${seller}`)).json()) as { id: string; status: string }[]).map((a) => [a.id, a.status]);
    expect(await list('open')).toEqual([]);
    expect(await list('closed')).toEqual([[auction.id, 'closed']]);
    expect(await withDb(async (db) => (await db.query('SELECT state FROM auctions WHERE id = $1', [auction.id])).rows[0].state)).toBe('open');
  });
});
