import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { BidtapeClient, pb } from '../sdk/src';
import type { AuctionEvent, GapEvent, TickUpdate } from '../sdk/src';
import { bidtape } from '../src/generated/bidtape';
import { createAuction, placeBid, withDb } from './support/auctions';
import { startNode } from './support/cluster';
import { freshSymbol, publisherFor } from './support/market';
import type { NodeProcess } from './support/cluster';
import { freePort, handshake } from './support/handshake';
import { TEST_ADMIN_TOKEN } from './support/platform';
import { pollUntil } from './support/poll';

/** The wire types of the test's raw stream clients (the SDK has its own copy of the generated code). */
const wire = bidtape.v1;
import { exitOf } from './support/processes';
import { redisAvailable, TestRedis } from './support/redis';
import { StreamClient } from './support/stream-client';
import { systemTool } from './support/system-tools';

const RUN = Math.random().toString(36).slice(2, 8);
const ADMIN_TOKEN = TEST_ADMIN_TOKEN;
const FEED_ENV = { SIM_ENABLED: 'true', SIM_AUCTIONS: '0', SIM_TICKS_PER_SECOND: '200', SIM_SYMBOLS: 'BTC-USD,ETH-USD' };
const GATEWAY_ENV = { BIDS_PER_SECOND_PER_BIDDER: '1', ADMIN_TOKEN, MAX_CONNECTIONS_PER_KEY: '2', TRUSTED_PROXIES: '127.0.0.1' };
const haveRedis = redisAvailable();
const haveHaproxy = haveRedis && systemTool('haproxy', spawnSync('haproxy', ['-v'], { stdio: 'ignore' }).status === 0);
const describeCluster = haveRedis ? describe : describe.skip;

interface TickView { seq: number; bid: number; ask: number; last: number }
const view = (t: { seq?: number | null; bidPrice?: number | null; askPrice?: number | null; lastPrice?: number | null }): TickView =>
  ({ seq: Number(t.seq), bid: Number(t.bidPrice), ask: Number(t.askPrice), last: Number(t.lastPrice) });

async function health(node: NodeProcess): Promise<{ connections: number; cluster: { activeFeed: boolean; feed: string | null } }> {
  return (await fetch(`${node.url}/health`)).json() as never;
}

/** Every tick after the snapshot, in order, must follow the previous one without a gap. */
function expectNoGaps(client: StreamClient, symbol: string): void {
  const snapshot = client.of('snapshot')[0].snapshot!.symbols!.find((s) => s.instrument!.symbol === symbol)!;
  let last = Number(snapshot.latest?.seq ?? 0);
  for (const tick of client.ticks(symbol)) {
    expect(Number(tick.firstSeq)).toBeLessThanOrEqual(last + 1);
    expect(Number(tick.seq)).toBeGreaterThan(last);
    last = Number(tick.seq);
  }
}

/**
 * The cluster as users run it: real processes (a feed, a standby feed, gateways), one real
 * Redis, the test run's PostgreSQL; kill -9 and a Redis outage are test tools. The tests run in
 * order and share the topology: the destructive ones come last.
 */
describeCluster('cluster mode: feed and gateways on Redis', () => {
  let redis: TestRedis;
  let feed: NodeProcess;
  let standby: NodeProcess;
  let a: NodeProcess;
  let b: NodeProcess;
  const nodes: NodeProcess[] = [];
  const clients: StreamClient[] = [];
  const connect = async (node: NodeProcess, query = '') => {
    const client = await StreamClient.connect(`${node.wsUrl}${query}`);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    redis = await TestRedis.start();
    feed = await startNode('feed', redis.url, { ...FEED_ENV, NODE_ID: `feed-a-${RUN}` });
    nodes.push(feed);
    await pollUntil('the feed to hold the lease', async () => (await health(feed)).cluster.activeFeed, 10_000, 100);
    [a, b, standby] = await Promise.all([
      startNode('gateway', redis.url, GATEWAY_ENV),
      startNode('gateway', redis.url, GATEWAY_ENV),
      startNode('feed', redis.url, { ...FEED_ENV, NODE_ID: `feed-b-${RUN}` }),
    ]);
    nodes.push(a, b, standby);
  }, 120_000);

  afterAll(async () => {
    clients.forEach((c) => c.close());
    await Promise.all(nodes.map((n) => n.kill()));
    await redis?.stop();
  });

  it('gives clients on two gateways the same epoch and the same (seq, prices) for every tick, with no gaps', async () => {
    const [onA, onB] = await Promise.all([connect(a), connect(b)]);
    onA.subscribe(['BTC-USD'], 0);
    onB.subscribe(['BTC-USD'], 0);
    await Promise.all([onA.waitFor('snapshot'), onB.waitFor('snapshot')]);
    await pollUntil('60 ticks on each gateway', () => onA.ticks('BTC-USD').length >= 60 && onB.ticks('BTC-USD').length >= 60, 10_000);

    const epochOf = (c: StreamClient) => c.of('snapshot')[0].snapshot!.symbols![0].epoch;
    expect(epochOf(onA)).toBe(epochOf(onB));
    expectNoGaps(onA, 'BTC-USD');
    expectNoGaps(onB, 'BTC-USD');
    const fromA = new Map(onA.ticks('BTC-USD').map((t) => [Number(t.seq), view(t)]));
    const common = onB.ticks('BTC-USD').filter((t) => fromA.has(Number(t.seq)));
    expect(common.length).toBeGreaterThan(40);
    for (const tick of common) expect(view(tick)).toEqual(fromA.get(Number(tick.seq)));
    // The standby feed numbers nothing while the active one holds the lease.
    expect((await health(standby)).cluster.activeFeed).toBe(false);
  }, 30_000);

  it('serves a correct snapshot from a gateway that started late', async () => {
    const watcher = await connect(a);
    watcher.subscribe(['ETH-USD'], 0);
    await watcher.waitFor('snapshot');
    const late = await startNode('gateway', redis.url, GATEWAY_ENV);
    nodes.push(late);
    const client = await connect(late);
    client.subscribe(['ETH-USD'], 0);
    const snapshot = (await client.waitFor('snapshot')).snapshot!.symbols![0];
    expect(snapshot.epoch).toBe(watcher.of('snapshot')[0].snapshot!.symbols![0].epoch);
    const latest = view(snapshot.latest!);
    expect(latest.seq).toBeGreaterThan(0);
    // The snapshot is a tick the feed really sequenced: the same seq carried the same prices on A.
    const seen = await pollUntil('A to have seen the snapshot seq', () => watcher.ticks('ETH-USD').find((t) => Number(t.seq) === latest.seq)
      ?? (Number(watcher.of('snapshot')[0].snapshot!.symbols![0].latest?.seq) === latest.seq ? watcher.of('snapshot')[0].snapshot!.symbols![0].latest! : undefined), 5000);
    expect(view(seen)).toEqual(latest);
    await pollUntil('ticks after the snapshot', () => client.ticks('ETH-USD').length >= 10, 5000);
    expectNoGaps(client, 'ETH-USD');
    await late.kill();
  }, 90_000);

  it("sequences a publisher's prices at the feed: quotes and trades sent to one gateway reach the other with the same seqs", async () => {
    const symbol = freshSymbol('C');
    const { key } = await publisherFor(a.url, symbol);
    // The catalogue change reaches the other gateway (and the feed) through Redis.
    await pollUntil('B to know the new instrument', async () => (await fetch(`${b.url}/v1/instruments/${symbol}`)).status === 200, 5000);
    const watcher = await connect(b);
    watcher.send({ subscribe: { symbols: [symbol], maxRate: 0, channels: [wire.Channel.CHANNEL_QUOTES, wire.Channel.CHANNEL_TRADES] } });
    await watcher.waitFor('snapshot');
    const publisher = await StreamClient.connect(a.wsUrl, 'bidtape.v1.proto', { headers: { 'x-api-key': key } });
    clients.push(publisher);
    const quotes = [1000, 1005, 1010].map((bid) => ({ symbol, bidPrice: bid, askPrice: bid + 10, bidSize: 10, askSize: 10 }));
    const trades = [1010, 1015].map((price, i) => ({ symbol, tradeId: `c-${i}`, price, size: 10, aggressorSide: pb.Side.SIDE_BUY }));
    const id = publisher.send({ publish: { quotes, trades } });
    const ack = await pollUntil('the PublishAck', () => publisher.of('publishAck').find((m) => m.publishAck!.requestId === id)?.publishAck ?? undefined);
    expect(ack).toMatchObject({ accepted: 5, rejected: [] });
    await pollUntil('the quotes and trades on B', () => watcher.ticks(symbol).length === 3 && watcher.trades(symbol).length === 2, 5000);
    expect(watcher.ticks(symbol).map((t) => [Number(t.seq), Number(t.bidPrice)])).toEqual([[1, 1000], [2, 1005], [3, 1010]]);
    expect(watcher.trades(symbol).map((t) => [Number(t.seq), t.tradeId])).toEqual([[1, 'c-0'], [2, 'c-1']]);
    // Candles are built from the same trades on every node.
    const candles = await pollUntil('candles on B', async () => {
      const body = (await (await fetch(`${b.url}/v1/instruments/${symbol}/candles?interval=1m`)).json()) as { candles: { volume: number }[] };
      return body.candles.length > 0 ? body.candles : undefined;
    }, 5000);
    expect(candles.reduce((sum, c) => sum + c.volume, 0)).toBe(20);
  }, 30_000);

  it('gives both gateways the same simulated trades', async () => {
    const [onA, onB] = await Promise.all([connect(a), connect(b)]);
    for (const c of [onA, onB]) c.send({ subscribe: { symbols: ['BTC-USD'], maxRate: 0, channels: [wire.Channel.CHANNEL_TRADES] } });
    await pollUntil('20 trades on each gateway', () => onA.trades('BTC-USD').length >= 20 && onB.trades('BTC-USD').length >= 20, 10_000);
    const key = (t: { seq?: number | null; tradeId?: string | null; price?: number | null; size?: number | null }) =>
      `${Number(t.seq)}/${t.tradeId}/${Number(t.price)}/${Number(t.size)}`;
    const fromA = new Set(onA.trades('BTC-USD').map(key));
    const common = onB.trades('BTC-USD').filter((t) => fromA.has(key(t)));
    expect(common.length).toBeGreaterThan(10);
    for (const c of [onA, onB]) {
      const seqs = c.trades('BTC-USD').map((t) => Number(t.seq));
      expect(seqs).toEqual(seqs.map((_, i) => seqs[0] + i)); // never a gap
    }
  }, 30_000);

  it('delivers a bid committed on gateway A to a watcher and to the outbid bidder on gateway B, in seq order', async () => {
    const auction = await createAuction(a.url, { startingPrice: 1000 });
    const watcher = await connect(b);
    watcher.send({ subscribeAuction: { auctionId: auction.id, fromSeq: 0 } });
    await watcher.waitFor('auctionSnapshot');
    const first = await connect(b, `?bidder=cl-first-${RUN}`);
    const second = await connect(a, `?bidder=cl-second-${RUN}`);
    const one = await placeBid(first, auction.id, 1000);
    expect(one.accepted).not.toBeNull();
    const two = await placeBid(second, auction.id, one.accepted!.nextMinimum!);
    expect(two.accepted).not.toBeNull();

    const outbid = (await first.waitFor('outbid', 1, 5000)).outbid!;
    expect(outbid.auctionId).toBe(auction.id);
    expect(Number(outbid.seq)).toBe(Number(two.accepted!.seq));
    await watcher.waitFor('bidUpdate', 2, 5000);
    expect(watcher.of('bidUpdate').map((m) => Number(m.bidUpdate!.seq))).toEqual([1, 2]);
    expect(Number(watcher.of('bidUpdate')[1].bidUpdate!.price)).toBe(Number(two.accepted!.price));
  }, 30_000);

  it('holds the per-bidder bid rate over all gateways', async () => {
    // 1 bid/s, bursts of 2: over one 2 s window a bidder gets 2 bids in, whichever gateways they use.
    const bidder = `cl-rate-${RUN}`;
    const [onA, onB] = await Promise.all([connect(a, `?bidder=${bidder}`), connect(b, `?bidder=${bidder}`)]);
    const auctionId = '00000000-0000-4000-8000-000000000000';
    const answers = [];
    for (const client of [onA, onA, onB, onB]) answers.push(await placeBid(client, auctionId, 1000));
    const RATE_LIMITED = wire.BidRejectReason.BID_REJECT_REASON_RATE_LIMITED;
    const limited = answers.filter((x) => x.rejected?.reason === RATE_LIMITED);
    expect(answers.slice(0, 2).every((x) => x.rejected?.reason !== RATE_LIMITED)).toBe(true);
    // Per-process buckets would have let B's two bids through as well.
    expect(limited).toHaveLength(2);
  }, 30_000);

  it('limits connections per API key over all gateways and closes them everywhere on revocation', async () => {
    const created = await fetch(`${a.url}/v1/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `cluster-${RUN}`, scopes: ['feed:read'] }),
    });
    expect(created.status).toBe(201);
    const { key, id } = (await created.json()) as { key: string; id: string };
    const onA = await connect(a, `?api_key=${key}`);
    const onB = await connect(b, `?api_key=${key}`);
    const third = await pollUntil('the shared count to reach 2', async () => {
      const attempt = await handshake(`${a.wsUrl}?api_key=${key}`);
      return attempt.status === 429 ? attempt : undefined;
    }, 5000, 100);
    expect(third.body).toMatch(/API key/);

    const revoked = await fetch(`${a.url}/v1/admin/keys/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(revoked.status).toBe(204);
    expect((await onB.waitClosed(5000)).code).toBe(4003);
    expect((await onA.waitClosed(5000)).code).toBe(4003);
  }, 30_000);

  it('tells subscribers when Redis is down, keeps bidding, and recovers with fresh snapshots and the missed auction events', async () => {
    const auction = await createAuction(a.url, { startingPrice: 1000 });
    const ticker = await connect(b);
    ticker.subscribe(['BTC-USD'], 0);
    await ticker.waitFor('snapshot');
    const watcher = await connect(b);
    watcher.send({ subscribeAuction: { auctionId: auction.id } });
    await watcher.waitFor('auctionSnapshot');
    const bidder = await connect(a, `?bidder=cl-outage-${RUN}`);
    const symbol = freshSymbol('U');
    const { key } = await publisherFor(b.url, symbol);
    const publisher = await StreamClient.connect(b.wsUrl, 'bidtape.v1.proto', { headers: { 'x-api-key': key } });
    clients.push(publisher);

    await redis.stop();
    const stale = (await ticker.waitFor('feedStatus', 1, 5000)).feedStatus!;
    expect(stale.state).toBe(pb.FeedState.FEED_STATE_STALE);
    // Prices cannot reach the sequencer: refused as retryable, never acknowledged and lost.
    const published = publisher.send({ publish: { quotes: [{ symbol, bidPrice: 1000, askPrice: 1010, bidSize: 10, askSize: 10 }] } });
    const refused = await pollUntil('the PublishAck', () => publisher.of('publishAck').find((m) => m.publishAck!.requestId === published)?.publishAck ?? undefined);
    expect(refused).toMatchObject({ accepted: 0, rejected: [{ reason: pb.PublishRejectReason.PUBLISH_REJECT_REASON_UNAVAILABLE }] });
    // Bids never depended on Redis: accepted, durable, while it is down.
    const during = await placeBid(bidder, auction.id, 1000);
    expect(during.accepted).not.toBeNull();
    const stored = await withDb(async (db) => (await db.query('SELECT seq::int FROM bids WHERE client_bid_id = $1', [during.clientBidId])).rows);
    expect(stored).toEqual([{ seq: Number(during.accepted!.seq) }]);
    expect((await fetch(`${b.url}/health/ready`)).status).toBe(503);

    await redis.start();
    const live = await pollUntil('FeedStatus LIVE', () => ticker.of('feedStatus').find((m) => m.feedStatus!.state === wire.FeedState.FEED_STATE_LIVE), 15_000, 50);
    expect(live).toBeDefined();
    const resnapshot = await pollUntil('an unsolicited snapshot', () => ticker.of('snapshot').find((m) => m.snapshot!.requestId === 0), 5000);
    const after = Number(resnapshot.snapshot!.symbols![0].latest?.seq ?? 0);
    await pollUntil('ticks after the recovery', () => ticker.ticks('BTC-USD').some((t) => Number(t.seq) > after), 10_000);
    // The bid event published while Redis was down is recovered from PostgreSQL.
    const update = (await watcher.waitFor('bidUpdate', 1, 10_000)).bidUpdate!;
    expect(Number(update.seq)).toBe(Number(during.accepted!.seq));
    expect(watcher.of('bidUpdate')).toHaveLength(1);
    await pollUntil('B ready again', async () => (await fetch(`${b.url}/health/ready`)).status === 200, 10_000, 100);
  }, 60_000);

  (haveHaproxy ? it : it.skip)('resumes SDK clients on another gateway after a kill -9, through HAProxy, with no update lost or repeated', async () => {
    clients.splice(0).forEach((c) => c.close());
    const proxy = await startHaproxy([a, b]);
    try {
      const client = new BidtapeClient({ url: proxy.wsUrl, bidder: `cl-sdk-${RUN}`, reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
      const gaps: GapEvent[] = [];
      client.on('gap', (gap) => gaps.push(gap));
      await client.connect();
      const auction = await createAuction(a.url, { startingPrice: 1000 });
      const ticks: TickUpdate[] = [];
      const prices = client.subscribe(['BTC-USD'], { maxRate: 0 });
      await prices.ready;
      void (async () => { for await (const u of prices) ticks.push(u); })();
      const events: AuctionEvent[] = [];
      void (async () => { for await (const e of client.watchAuction(auction.id, { fromSeq: 0 })) events.push(e); })();
      const bidders = await Promise.all([connect(a, `?bidder=cl-kill-1-${RUN}`), connect(b, `?bidder=cl-kill-2-${RUN}`)]);
      let next = 1000;
      const bidOnce = async (i: number) => {
        const answer = await placeBid(bidders[i % 2], auction.id, next);
        next = answer.accepted?.nextMinimum ?? answer.rejected!.nextMinimum!;
        await new Promise((r) => setTimeout(r, 1100)); // the bid rate of these gateways is 1/s
      };
      for (let i = 0; i < 2; i++) await bidOnce(i);
      await pollUntil('the SDK to see two bids', () => events.filter((e) => e.kind === 'bid').length === 2, 5000);

      const serving = (await Promise.all([a, b].map(async (n) => ({ n, h: await health(n) })))).find((x) => x.h.connections > 1)!.n;
      const survivor = serving === a ? b : a;
      const epochBefore = ticks[ticks.length - 1].epoch;
      await serving.kill();
      bidders.forEach((c) => c.close());
      const survivorBidders = await Promise.all([connect(survivor, `?bidder=cl-kill-1-${RUN}`), connect(survivor, `?bidder=cl-kill-2-${RUN}`)]);
      bidders.splice(0, 2, ...survivorBidders);
      for (let i = 2; i < 4; i++) await bidOnce(i);
      await pollUntil('the SDK to see four bids', () => events.filter((e) => e.kind === 'bid').length === 4, 15_000, 50);
      const seqs = events.filter((e) => e.kind === 'bid').map((e) => (e.kind === 'bid' ? e.update.seq : 0));
      expect(seqs).toEqual([1, 2, 3, 4]);
      const countBefore = ticks.length;
      await pollUntil('ticks after the resume', () => ticks.length > countBefore + 10, 10_000);
      expect(ticks[ticks.length - 1].epoch).toBe(epochBefore);
      expect(gaps.filter((g) => g.cause === 'epoch' || g.cause === 'tick')).toEqual([]);
      client.close();
    } finally {
      await proxy.stop();
    }
  }, 90_000);

  it('fails over to the standby feed with a new epoch; clients are re-snapshotted and ticks continue', async () => {
    const survivor = a.child.signalCode === null ? a : b;
    const client = await connect(survivor);
    client.subscribe(['BTC-USD'], 0);
    const epochBefore = (await client.waitFor('snapshot')).snapshot!.symbols![0].epoch;
    const active = (await health(feed)).cluster.activeFeed ? feed : standby;
    const waiting = active === feed ? standby : feed;
    await active.kill();
    await pollUntil('the standby to take over', async () => (await health(waiting)).cluster.activeFeed, 10_000, 100);
    const fresh = await pollUntil('a snapshot with the new epoch', () =>
      client.of('snapshot').find((m) => m.snapshot!.requestId === 0 && m.snapshot!.symbols![0].epoch !== epochBefore), 10_000);
    const epochAfter = fresh.snapshot!.symbols![0].epoch;
    const index = client.received.findIndex((r) => r.message === fresh);
    // After the new snapshot the numbering starts over, and runs without gaps.
    await pollUntil('ticks in the new epoch', () => client.received.slice(index + 1).filter((r) => r.message.tick).length >= 10, 10_000);
    let last = Number(fresh.snapshot!.symbols![0].latest?.seq ?? 0);
    for (const { message } of client.received.slice(index + 1)) {
      if (!message.tick) continue;
      expect(Number(message.tick.firstSeq)).toBe(last + 1);
      last = Number(message.tick.seq);
    }
    expect(epochAfter).not.toBe(epochBefore);
  }, 60_000);
});

/** HAProxy from Debian in front of two gateways, with the repository's own configuration. */
async function startHaproxy([first, second]: NodeProcess[]): Promise<{ wsUrl: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn('haproxy', ['-db', '-f', path.join(__dirname, '..', 'deploy', 'haproxy.cfg')], {
    stdio: 'ignore',
    env: { ...process.env, BIDTAPE_LB_BIND: `127.0.0.1:${port}`, BIDTAPE_GATEWAY_1: `127.0.0.1:${first.port}`, BIDTAPE_GATEWAY_2: `127.0.0.1:${second.port}` },
  });
  await pollUntil('HAProxy to route to a ready gateway', async () => {
    try {
      return (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200;
    } catch {
      return false;
    }
  }, 10_000, 100);
  return {
    wsUrl: `ws://127.0.0.1:${port}/v1/stream`,
    stop: async () => {
      child.kill('SIGKILL');
      await exitOf(child);
    },
  };
}
