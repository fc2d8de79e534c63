import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { BidRejectReason, BidtapeClient, BidtapeError, ErrorCode, pb } from '../sdk/src';
import type { AuctionEvent, BidtapeClientOptions, Outbid, TickUpdate } from '../sdk/src';
import { CloseCode } from '../src/gateway/close-codes';
import { ConnectionRegistry } from '../src/gateway/connection-registry.service';
import { createAuction, withDb } from './support/auctions';
import { freePort } from './support/handshake';
import { pollUntil } from './support/poll';
import { quoteFor, startTestPlatform } from './support/platform';
import type { TestPlatform } from './support/platform';

const SECRET = 'sdk-test-secret-that-is-at-least-32-characters';
// Jest reuses worker processes across files: make bidder handles and bid ids unique per run.
const RUN = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
const handle = (name: string) => `sdk-${name}-${RUN}`;

/** The test's say over the SDK's connections: refuse them (the gate), or drop one right after it sends a bid. */
class Network {
  open = true;
  dropAfterNextBid = false;
  constructor(readonly refusedUrl: string) {}

  static async create(): Promise<Network> {
    return new Network(`ws://127.0.0.1:${await freePort()}/v1/stream`); // nothing listens there
  }

  /** A `ws` WebSocket class for the SDK's `WebSocket` option, obeying this network. */
  webSocket(): BidtapeClientOptions['WebSocket'] {
    return controlledWebSocket(this);
  }
}

function controlledWebSocket(network: Network) {
  return class ControlledWebSocket extends WebSocket {
    constructor(url: string, protocols: string | string[]) {
      super(network.open ? url : network.refusedUrl, protocols);
    }

    override send(data: Uint8Array | string): void {
      super.send(data);
      if (network.dropAfterNextBid && typeof data !== 'string' && pb.ClientMessage.decode(data).placeBid) {
        network.dropAfterNextBid = false;
        this.close(4000, 'test: the answer to this bid is lost'); // the bid itself has been sent
      }
    }
  };
}

/** Reads an iterable in the background into `into`. */
function collect<T>(iterable: AsyncIterable<T>, into: T[]): void {
  void (async () => {
    for await (const item of iterable) into.push(item);
  })().catch(() => undefined);
}

function token(subject: string, expiresInS: number): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setIssuer('bidtape')
    .setAudience('bidtape-stream')
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInS)
    .sign(new TextEncoder().encode(SECRET));
}

describe('the TypeScript SDK against a real server', () => {
  let platform: TestPlatform;
  const clients: BidtapeClient[] = [];
  const client = async (options: Partial<BidtapeClientOptions> = {}) => {
    const c = new BidtapeClient({ url: platform.wsUrl, WebSocket, reconnect: { initialDelayMs: 10, maxDelayMs: 50 }, ...options });
    clients.push(c);
    await c.connect();
    return c;
  };
  const dropAllConnections = () => platform.app.get(ConnectionRegistry).closeAll(CloseCode.GoingAway, 'test: go away');

  beforeAll(async () => {
    platform = await startTestPlatform({
      BIDS_PER_SECOND_PER_BIDDER: '2', // burst 4: enough for every bidder here but the rate-limit test's
      AUTH_JWT_SECRET: SECRET,
      AUTH_EXPIRY_WARNING_MS: '59000', // a 60 s token is announced as expiring at once
    });
  });
  afterEach(() => clients.splice(0).forEach((c) => c.close()));
  afterAll(() => platform.stop());

  it('iterates the snapshot first, then live ticks, at the rate the server acknowledged', async () => {
    const c = await client();
    platform.market.publish(quoteFor('MSFT'));
    const subscription = c.subscribe(['msft'], { maxRate: 0 });
    expect(await subscription.ready).toEqual({ symbols: ['MSFT'], maxRate: 0, rejected: [] });
    const updates = subscription[Symbol.asyncIterator]();
    const snapshot = (await updates.next()).value as TickUpdate;
    expect(snapshot).toMatchObject({ symbol: 'MSFT', snapshot: true, instrument: { symbol: 'MSFT', priceScale: 2 } });
    const published = [platform.market.publish(quoteFor('MSFT')), platform.market.publish(quoteFor('MSFT'))];
    const ticks = [(await updates.next()).value as TickUpdate, (await updates.next()).value as TickUpdate];
    expect(ticks.map((u) => [u.snapshot, u.tick.seq, u.tick.lastPrice])).toEqual(published.map((p) => [false, p.seq, p.lastPrice]));
    expect(ticks[0].tick.seq).toBe(snapshot.tick.seq + 1);
    expect(ticks[0].instrument.priceScale).toBe(2); // every update carries its instrument

    // The server's default rate, refused symbols, a requested rate that it conflates to.
    expect(await c.subscribe(['AAPL', 'NOPE']).ready).toEqual({
      symbols: ['AAPL'], maxRate: 10, rejected: [{ symbols: ['NOPE'], code: ErrorCode.ERROR_CODE_UNKNOWN_SYMBOL, message: expect.any(String) }],
    });
    // Every symbol refused: the answer rejects, and the iteration ends with it instead of waiting forever.
    const refused = c.subscribe(['NOPE']);
    await expect(refused.ready).rejects.toMatchObject({ code: 'SERVER_ERROR', serverCode: ErrorCode.ERROR_CODE_UNKNOWN_SYMBOL });
    await expect((async () => { for await (const u of refused) return u; })()).rejects.toMatchObject({ code: 'SERVER_ERROR' });
    platform.market.publish(quoteFor('GBP-USD'));
    const throttled = c.subscribe(['GBP-USD'], { maxRate: 5 });
    expect((await throttled.ready).maxRate).toBe(5);
    let last = 0;
    for (let i = 0; i < 20; i++) last = platform.market.publish(quoteFor('GBP-USD')).seq;
    const received: TickUpdate[] = [];
    for await (const u of throttled) {
      received.push(u);
      if (u.tick.seq === last) break;
    }
    const live = received.filter((u) => !u.snapshot);
    expect(live.length).toBeLessThanOrEqual(2); // 20 updates within 1/5 s: conflated
    expect(live[0].tick.firstSeq).toBe(received[0].tick.seq + 1); // ...covering the whole range, no gap
    expect(throttled.active).toBe(false); // leaving the loop unsubscribed

    const invalid = c.subscribe(['AAPL'], { maxRate: 1_000_000 });
    await expect(invalid.ready).rejects.toMatchObject({ code: 'SERVER_ERROR', serverCode: ErrorCode.ERROR_CODE_INVALID_RATE });
    await expect(invalid[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(BidtapeError);
  });

  it('conflates per symbol for a slow reader: bounded buffer, newest prices kept, ranges merged', async () => {
    const c = await client({ bufferSize: 4 });
    platform.market.publish(quoteFor('NVDA'));
    platform.market.publish(quoteFor('TSLA'));
    const subscription = c.subscribe(['NVDA', 'TSLA'], { maxRate: 0 });
    await subscription.ready;
    const newest = new Map<string, { seq: number; lastPrice: number }>();
    for (let i = 0; i < 200; i++) {
      for (const symbol of ['NVDA', 'TSLA']) newest.set(symbol, platform.market.publish(quoteFor(symbol)));
    }
    await pollUntil('every update received', () => [...newest].every(([symbol, q]) => c.lastSeq(symbol) === q.seq));
    expect(subscription.buffered).toBeLessThanOrEqual(4);
    expect(subscription.buffered + subscription.conflated).toBe(2 + 400); // nothing lost, only merged

    const updates = subscription[Symbol.asyncIterator]();
    const drained: TickUpdate[] = [];
    while (subscription.buffered > 0) drained.push((await updates.next()).value as TickUpdate);
    for (const [symbol, q] of newest) {
      const mine = drained.filter((u) => u.symbol === symbol);
      expect(mine[0].snapshot).toBe(true); // the snapshot (merged) still comes first
      expect(mine.at(-1)!.tick).toMatchObject({ seq: q.seq, lastPrice: q.lastPrice }); // the newest price is there
      for (let i = 1; i < mine.length; i++) expect(mine[i].tick.firstSeq).toBeLessThanOrEqual(mine[i - 1].tick.seq + 1);
    }
    // Caught up: the next update is delivered as it comes.
    const next = platform.market.publish(quoteFor('TSLA'));
    expect((await updates.next()).value).toMatchObject({ symbol: 'TSLA', tick: { seq: next.seq, firstSeq: next.seq } });
  });

  it('reconnects by itself, then resumes ticks and the auction history without loss', async () => {
    const network = await Network.create();
    const c = await client({ bidder: handle('watcher'), WebSocket: network.webSocket() });
    const rivals = [await client({ bidder: handle('rival-a') }), await client({ bidder: handle('rival-b') })];
    const log: string[] = [];
    c.on('state', (s) => log.push(s));
    c.on('gap', (g) => log.push(`gap ${g.symbol} ${g.expected}->${g.got} (${g.cause})`));
    const auction = await createAuction(platform.url, { startingPrice: 1000 });
    const events: AuctionEvent[] = [];
    collect(c.watchAuction(auction.id), events);
    platform.market.publish(quoteFor('AMZN'));
    const ticks: TickUpdate[] = [];
    collect(c.subscribe(['AMZN'], { maxRate: 0 }), ticks);
    expect(await rivals[0].placeBid({ auctionId: auction.id, amount: 1000 })).toMatchObject({ accepted: true, seq: 1 });
    await pollUntil('bid 1 and the AMZN snapshot', () => events.some((e) => e.kind === 'bid') && ticks.length > 0);
    const seqBefore = c.lastSeq('AMZN')!;

    network.open = false; // the watcher's reconnect attempts are refused until the test says so
    dropAllConnections();
    await pollUntil('the watcher reconnecting', () => c.state === 'reconnecting');
    // While it is away: two more bids (the rivals reconnect by themselves) and three ticks.
    expect(await rivals[1].placeBid({ auctionId: auction.id, amount: 1050 })).toMatchObject({ accepted: true, seq: 2 });
    expect(await rivals[0].placeBid({ auctionId: auction.id, amount: 1100 })).toMatchObject({ accepted: true, seq: 3 });
    for (let i = 0; i < 3; i++) platform.market.publish(quoteFor('AMZN'));
    expect(c.state).toBe('reconnecting');

    network.open = true;
    await pollUntil('resumed', () => c.state === 'resumed');
    // Resumed only once resubscribed: the snapshot (and its gap) came first.
    expect(log).toEqual(['reconnecting', `gap AMZN ${seqBefore + 1}->${seqBefore + 3} (snapshot)`, 'resumed']);
    await pollUntil('bids 2 and 3 replayed', () => events.filter((e) => e.kind === 'bid').length === 3);
    expect(events.flatMap((e) => (e.kind === 'bid' ? [e.update.seq] : []))).toEqual([1, 2, 3]); // no loss, no duplicate
    expect(events.filter((e) => e.kind === 'snapshot')).toHaveLength(2);

    const after = platform.market.publish(quoteFor('AMZN'));
    await pollUntil('ticks flowing again', () => ticks.some((u) => u.tick.seq === after.seq));
    expect(ticks.map((u) => [u.snapshot, u.tick.seq])).toEqual([
      [true, seqBefore], [true, seqBefore + 3], [false, seqBefore + 4],
    ]);
  });

  it('reconnects a connection on which nothing arrives any more', async () => {
    const c = await client({ livenessTimeoutMs: 200 }); // the server's heartbeat comes every 15 s
    const seen: string[] = [];
    c.on('disconnect', (d) => seen.push(`disconnect ${d.code} ${d.willReconnect}`));
    c.on('state', (s) => seen.push(s));
    await pollUntil('resumed', () => c.state === 'resumed');
    expect(seen.slice(0, 3)).toEqual(['disconnect 1006 true', 'reconnecting', 'resumed']);
  });

  it('places bids: accepted, rejected with the next valid amount, and outbid notices', async () => {
    const [alice, bob] = [await client({ bidder: handle('alice') }), await client({ bidder: handle('bob') })];
    const outbids: Outbid[] = [];
    alice.on('outbid', (o) => outbids.push(o));
    const auction = await createAuction(platform.url, { startingPrice: 1000 });
    expect(await alice.placeBid({ auctionId: auction.id, amount: 10 })).toMatchObject({
      status: 'rejected', accepted: false, reason: BidRejectReason.BID_REJECT_REASON_BELOW_MINIMUM, reasonName: 'BELOW_MINIMUM',
      nextMinimum: 1000, retryable: false, duplicate: false,
    });
    const accepted = await alice.placeBid({ auctionId: auction.id, amount: 1000 });
    expect(accepted).toMatchObject({ accepted: true, auctionId: auction.id, seq: 1, price: 1000, leading: true, nextMinimum: 1050, duplicate: false });
    expect(accepted.clientBidId).toMatch(/^[0-9a-f-]{36}$/); // generated
    expect(await bob.placeBid({ auctionId: auction.id, amount: 1050 })).toMatchObject({ accepted: true, seq: 2 });
    await pollUntil('alice told she is outbid', () => outbids[0]);
    expect(outbids[0]).toMatchObject({ auctionId: auction.id, price: 1050, nextMinimum: 1100, seq: 2 });
    // Once a watch has shown the auction's scale, amounts may be decimals of its currency.
    await alice.watchAuction(auction.id).ready;
    expect(await alice.placeBid({ auctionId: auction.id, amount: '11.00' })).toMatchObject({
      status: 'accepted', seq: 3, price: 1100, priceScale: 2, decimal: { price: '11.00', nextMinimum: '11.50' },
    });
    expect(await alice.ping()).toBeGreaterThanOrEqual(0);
  });

  it('resends a bid whose answer was lost, with the same clientBidId: one row, the original answer', async () => {
    const network = await Network.create();
    const c = await client({ bidder: handle('resender'), WebSocket: network.webSocket() });
    const states: string[] = [];
    c.on('state', (s) => states.push(s));
    const auction = await createAuction(platform.url, { startingPrice: 1000 });
    const clientBidId = `sdk-lost-answer-${RUN}`;
    network.dropAfterNextBid = true;
    const answer = await c.placeBid({ auctionId: auction.id, amount: 1000, clientBidId });
    expect(states).toContain('reconnecting');
    expect(answer).toMatchObject({ accepted: true, seq: 1, clientBidId, duplicate: true }); // the first send had been committed
    expect(await c.placeBid({ auctionId: auction.id, amount: 1000, clientBidId })).toMatchObject({ accepted: true, seq: 1, duplicate: true });
    const rows = await withDb((db) => db.query('SELECT count(*)::int AS n FROM bids WHERE auction_id = $1', [auction.id]));
    expect(rows.rows[0].n).toBe(1);
  });

  it('retries a retryable rejection until the deadline', async () => {
    const c = await client({ bidder: handle('eager') });
    const auction = await createAuction(platform.url, { startingPrice: 1000 });
    for (let i = 0; i < 4; i++) await c.placeBid({ auctionId: auction.id, amount: 1000 + i * 100 }); // the burst
    const limited = await c.placeBid({ auctionId: auction.id, amount: 5000 }, { deadlineMs: 50 });
    expect(limited).toMatchObject({ accepted: false, reason: BidRejectReason.BID_REJECT_REASON_RATE_LIMITED, retryable: true });
    const retried = await c.placeBid({ auctionId: auction.id, amount: 5000 }, { deadlineMs: 5000 });
    expect(retried).toMatchObject({ accepted: false, reason: BidRejectReason.BID_REJECT_REASON_ALREADY_LEADING }); // decided at last
  });

  it('renews a token that is about to expire on the live connection', async () => {
    let issued = 0;
    const c = await client({ token: () => token(handle('token'), ++issued === 1 ? 60 : 3600) });
    const refreshed = await new Promise<{ expiresTimeUs: number }>((resolve) => c.once('tokenRefreshed', resolve));
    expect(issued).toBe(2);
    expect(refreshed.expiresTimeUs).toBeGreaterThan((Date.now() + 3000_000) * 1000);
  });

  it('speaks the JSON subprotocol too', async () => {
    const c = await client({ encoding: 'json' });
    platform.market.publish(quoteFor('XAU-USD'));
    const updates = c.subscribe(['XAU-USD'], { maxRate: 0 })[Symbol.asyncIterator]();
    expect((await updates.next()).value).toMatchObject({ symbol: 'XAU-USD', snapshot: true });
    const q = platform.market.publish(quoteFor('XAU-USD'));
    expect((await updates.next()).value).toMatchObject({ tick: { seq: q.seq, lastPrice: q.lastPrice } });
    expect(await c.ping()).toBeGreaterThanOrEqual(0);
  });

  it('reports a refused first connection, and ends everything on close()', async () => {
    const network = await Network.create();
    const refused = new BidtapeClient({ url: network.refusedUrl, WebSocket });
    await expect(refused.connect()).rejects.toMatchObject({ code: 'CLOSED' });
    expect(refused.state).toBe('closed');

    const c = await client({ bidder: handle('closer') });
    const subscription = c.subscribe(['ETH-USD']);
    await subscription.ready;
    const reading = (async () => {
      const seen: TickUpdate[] = [];
      for await (const u of subscription) seen.push(u);
      return seen;
    })();
    c.close();
    await expect(reading).resolves.toBeDefined(); // the loop ended
    expect(c.state).toBe('closed');
    // Never sent: the outcome is known (not placed).
    expect(await c.placeBid({ auctionId: 'x', amount: 1 })).toMatchObject({ status: 'failed', error: { code: 'CLOSED' }, outcomeUnknown: false });
  });
});

/**
 * Answers the real server never gives to a well-formed bid, from a bare `ws` server over
 * loopback: an `Error` in place of a decision, and silence. Both end as a typed result.
 */
describe('the SDK bid result for answers that are not decisions', () => {
  let server: WebSocket.Server;
  let url: string;
  let answer: 'error' | 'silence' = 'error';
  beforeAll(async () => {
    server = new WebSocket.Server({ host: '127.0.0.1', port: 0, handleProtocols: () => 'bidtape.v1.proto' });
    await new Promise((resolve) => server.once('listening', resolve));
    url = `ws://127.0.0.1:${(server.address() as { port: number }).port}/v1/stream`;
    server.on('connection', (socket) => socket.on('message', (data: Buffer) => {
      const message = pb.ClientMessage.decode(data);
      if (!message.placeBid || answer === 'silence') return;
      socket.send(pb.ServerMessage.encode({ error: { requestId: message.id, code: ErrorCode.ERROR_CODE_MALFORMED_MESSAGE, message: 'test: refused' } }).finish());
    }));
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('maps an Error answer to a failed result that was not placed, and silence to an unknown outcome', async () => {
    const c = new BidtapeClient({ url, WebSocket, reconnect: false });
    await c.connect();
    const refused = await c.placeBid({ auctionId: '00000000-0000-4000-8000-000000000000', amount: 1000, clientBidId: 'e-1' });
    expect(refused).toMatchObject({ status: 'failed', accepted: false, clientBidId: 'e-1', outcomeUnknown: false,
      error: { code: 'SERVER_ERROR', serverCode: ErrorCode.ERROR_CODE_MALFORMED_MESSAGE, message: 'test: refused' } });
    answer = 'silence';
    const unknown = await c.placeBid({ auctionId: '00000000-0000-4000-8000-000000000000', amount: 1000, clientBidId: 'e-2' }, { deadlineMs: 200 });
    expect(unknown).toMatchObject({ status: 'failed', clientBidId: 'e-2', outcomeUnknown: true, error: { code: 'TIMEOUT' } });
    c.close();
  });

  it('takes decimal amounts only with a known price scale, and converts them exactly', async () => {
    const c = new BidtapeClient({ url, WebSocket, reconnect: false });
    await expect(c.placeBid({ auctionId: 'a', amount: '10.50' })).rejects.toThrow(TypeError);
    await expect(c.placeBid({ auctionId: 'a', amount: '10.505', priceScale: 2 })).rejects.toThrow(RangeError);
    await expect(c.placeBid({ auctionId: 'a', amount: 10.5 })).rejects.toThrow(TypeError);
    c.close();
  });
});
