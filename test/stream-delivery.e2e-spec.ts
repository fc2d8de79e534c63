import type { Socket } from 'node:net';
import { pollUntil } from './support/poll';
import { quoteFor, startTestPlatform } from './support/platform';
import type { TestPlatform } from './support/platform';
import { StreamClient } from './support/stream-client';
import type { Quote } from '../src/market/quote';
import { StreamStats } from '../src/gateway/stream-stats';
import { bidtape } from '../src/generated/bidtape';

const pb = bidtape.v1;

const socketOf = (client: StreamClient) => (client.ws as unknown as { _socket: Socket })._socket;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Asserts per-symbol sequence continuity: each update covers exactly what came after the last. */
function expectNoGaps(ticks: { seq?: number | null; firstSeq?: number | null }[], afterSeq: number): void {
  let last = afterSeq;
  for (const tick of ticks) {
    expect(tick.firstSeq).toBe(last + 1);
    expect(tick.seq!).toBeGreaterThanOrEqual(tick.firstSeq!);
    last = tick.seq!;
  }
}

describe('tick delivery (real server, real sockets)', () => {
  const clients: StreamClient[] = [];
  const connect = async (...args: Parameters<typeof StreamClient.connect>) => {
    const client = await StreamClient.connect(...args);
    clients.push(client);
    return client;
  };
  afterEach(() => clients.splice(0).forEach((c) => c.close()));

  describe('at the full simulated rate', () => {
    let platform: TestPlatform;
    beforeAll(async () => {
      platform = await startTestPlatform({ SIM_ENABLED: 'true', SIM_TICKS_PER_SECOND: '4000', SIM_SYMBOLS: 'BTC-USD,ETH-USD' });
    });
    afterAll(() => platform.stop());

    it('delivers every update of an unthrottled subscription, in order, without gaps', async () => {
      const client = await connect(platform.wsUrl);
      client.subscribe(['BTC-USD', 'ETH-USD'], 0);
      const snapshot = (await client.waitFor('snapshot')).snapshot!;
      await pollUntil('1,000 ticks', () => client.ticks().length >= 1000, 10_000);
      for (const { instrument, latest } of snapshot.symbols!) {
        const ticks = client.ticks(instrument!.symbol!);
        expect(ticks.length).toBeGreaterThan(100);
        expectNoGaps(ticks, latest?.seq ?? 0);
        expect(ticks.every((t) => t.firstSeq === t.seq)).toBe(true); // nothing conflated
        expect(ticks.every((t) => t.askPrice! > t.bidPrice!)).toBe(true);
      }
    });
  });

  describe('throttled subscriptions', () => {
    let platform: TestPlatform;
    beforeAll(async () => {
      platform = await startTestPlatform();
    });
    afterAll(() => platform.stop());

    it('sends at most 10 updates per second per symbol, always the newest state, no gaps', async () => {
      const published = new Map<number, Quote>();
      platform.market.publish(quoteFor('AAPL'));
      const client = await connect(platform.wsUrl);
      client.subscribe(['AAPL', 'MSFT'], 10);
      const snapshot = (await client.waitFor('snapshot')).snapshot!;
      const snapshotSeq = snapshot.symbols!.find((s) => s.instrument!.symbol === 'AAPL')!.latest!.seq!;

      const startedAt = performance.now();
      const publisher = setInterval(() => {
        const q = platform.market.publish(quoteFor('AAPL'));
        published.set(q.seq, q);
        platform.market.publish(quoteFor('MSFT'));
      }, 4); // ~250 updates per second per symbol
      await sleep(2100);
      clearInterval(publisher);
      const elapsedS = (performance.now() - startedAt) / 1000;
      const lastPublished = platform.market.latest('AAPL')!;
      await pollUntil('the newest AAPL state', () => client.ticks('AAPL').at(-1)?.seq === lastPublished.seq, 1000);

      const ticks = client.ticks('AAPL');
      expect(published.size).toBeGreaterThan(200);
      expect(ticks.length).toBeGreaterThanOrEqual(10);
      expect(ticks.length).toBeLessThanOrEqual(Math.ceil(elapsedS * 10) + 1);
      expectNoGaps(ticks, snapshotSeq);
      for (const tick of ticks) {
        const source = published.get(tick.seq!)!;
        expect([tick.bidPrice, tick.askPrice, tick.lastPrice]).toEqual([source.bidPrice, source.askPrice, source.lastPrice]);
      }
      // In any window a bit under one second, never more than 10 updates of a symbol.
      const arrivals = client.received.filter((r) => r.message.tick?.symbol === 'AAPL' ||
        r.message.tickBatch?.ticks?.some((t) => t.symbol === 'AAPL')).map((r) => r.atMs);
      for (let i = 0; i + 10 < arrivals.length; i++) expect(arrivals[i + 10] - arrivals[i]).toBeGreaterThan(980);
      // Both symbols changed in each period: they travel together in one TickBatch frame.
      expect(client.of('tickBatch').length).toBeGreaterThan(0);
      expect(client.of('tickBatch').every((m) => m.tickBatch!.ticks!.length === 2)).toBe(true);
    });

    it('deflates one TickBatch per flush for all compressed connections due the same updates', async () => {
      const symbols = ['BTC-USD', 'ETH-USD', 'SOL-USD', 'AAPL', 'MSFT', 'NVDA', 'TSLA', 'AMZN', 'EUR-USD', 'GBP-USD', 'USD-JPY', 'XAU-USD'];
      const deflate = { perMessageDeflate: { clientMaxWindowBits: 10 } };
      const pair = [await connect(platform.wsUrl, 'bidtape.v1.proto', deflate), await connect(platform.wsUrl, 'bidtape.v1.proto', deflate)];
      expect(pair.every((c) => c.ws.extensions.includes('permessage-deflate'))).toBe(true);
      for (const client of pair) client.subscribe(symbols, 5);
      await Promise.all(pair.map((c) => c.waitFor('snapshot')));
      const stats = platform.app.get(StreamStats);
      const offeredBefore = stats.deflateInputBytes;
      const readBefore = pair.map((c) => socketOf(c).bytesRead);

      for (const symbol of symbols) platform.market.publish(quoteFor(symbol));
      await Promise.all(pair.map((c) => c.waitFor('tickBatch')));

      const [first, second] = pair.map((c) => c.of('tickBatch')[0].tickBatch!.ticks!);
      expect(first.map((t) => t.symbol).sort()).toEqual([...symbols].sort());
      expect(second).toEqual(first);
      const batchBytes = pb.ServerMessage.encode({ tickBatch: { ticks: first } }).finish().length;
      // Deflated once, not once per connection, and smaller on the wire than the batch itself.
      expect(stats.deflateInputBytes - offeredBefore).toBe(batchBytes);
      pair.forEach((c, i) => expect(socketOf(c).bytesRead - readBefore[i]).toBeLessThan(batchBytes));
    });

    it('changes the rate and sends a fresh snapshot when a symbol is subscribed again', async () => {
      const client = await connect(platform.wsUrl);
      client.subscribe(['TSLA'], 1);
      await client.waitFor('snapshot');
      platform.market.publish(quoteFor('TSLA'));
      client.subscribe(['TSLA'], 0);
      const second = (await client.waitFor('snapshot', 2)).snapshot!;
      const latest = platform.market.latest('TSLA')!;
      expect(second.symbols![0].latest!.seq).toBe(latest.seq);
      const next = platform.market.publish(quoteFor('TSLA'));
      await pollUntil('the unthrottled tick', () => client.ticks('TSLA').some((t) => t.seq === next.seq));
      expectNoGaps(client.ticks('TSLA'), latest.seq);
    });
  });

  describe('slow consumers', () => {
    let platform: TestPlatform;
    beforeAll(async () => {
      platform = await startTestPlatform({
        SIM_ENABLED: 'true',
        SIM_TICKS_PER_SECOND: '10000',
        SLOW_CONSUMER_SOFT_BYTES: '65536',
        SLOW_CONSUMER_HARD_BYTES: '268435456',
        SLOW_CONSUMER_GRACE_MS: '300',
        SLOW_CONSUMER_RATE: '1',
      });
    });
    afterAll(() => platform.stop());

    it('warns, conflates, then closes a client that stops reading, without delaying a fast one', async () => {
      const fast = await connect(platform.wsUrl);
      fast.subscribe(['BTC-USD'], 0);
      const fastSnapshot = (await fast.waitFor('snapshot')).snapshot!;
      const slow = await connect(platform.wsUrl, 'bidtape.v1.json'); // bigger frames fill buffers sooner
      const symbols = ['BTC-USD', 'ETH-USD', 'SOL-USD', 'AAPL', 'MSFT', 'NVDA', 'TSLA', 'AMZN', 'EUR-USD', 'GBP-USD',
        'USD-JPY', 'XAU-USD'];
      slow.subscribe(symbols, 0);
      await slow.waitFor('snapshot');
      socketOf(slow).pause(); // stops reading: the kernel buffers fill, then the server's queue grows

      const closes = async () => {
        const text = await (await fetch(`${platform.url}/metrics`)).text();
        return /bidtape_slow_consumer_actions_total\{action="close"\} [1-9]/.test(text);
      };
      await pollUntil('the server to close the slow consumer', closes, 20_000, 50);
      const ticksWhileSlow = fast.ticks().length;

      socketOf(slow).resume();
      const closed = await slow.waitClosed(10_000);
      expect(closed.code).toBe(4008);
      const warning = slow.of('slowConsumerWarning')[0]?.slowConsumerWarning;
      expect(warning).toMatchObject({ limitBytes: 65536, maxRate: 1, graceMs: 300 });
      expect(warning!.bufferedBytes).toBeGreaterThan(65536);
      // After the warning the stream is conflated to 1 update/s per symbol: within the
      // 300 ms grace that is at most one per symbol, where thousands came before it.
      const kinds = slow.received.map((r) => r.message.kind);
      const warningAt = kinds.indexOf('slowConsumerWarning');
      expect(slow.received.slice(0, warningAt).filter((r) => r.message.tick).length).toBeGreaterThan(1000);
      // On a busy machine the kernel may drain enough for the client to recover once and be warned
      // again: the warning that led to the close is the last one.
      const after = slow.received.slice(kinds.lastIndexOf('slowConsumerWarning') + 1).filter((r) => r.message.tick);
      expect(after.length).toBeLessThanOrEqual(symbols.length);

      // The fast client kept receiving every update, promptly, the whole time.
      expect(ticksWhileSlow).toBeGreaterThan(100);
      const ticks = fast.ticks('BTC-USD');
      expectNoGaps(ticks, fastSnapshot.symbols![0].latest?.seq ?? 0);
      const lagsMs = fast.received
        .filter((r) => r.message.tick)
        .map((r) => performance.timeOrigin + r.atMs - r.message.tick!.timestampUs! / 1000);
      lagsMs.sort((a, b) => a - b);
      expect(lagsMs[Math.floor(lagsMs.length * 0.99)]).toBeLessThan(250);
    });
  });

  describe('heartbeats', () => {
    let platform: TestPlatform;
    beforeAll(async () => {
      platform = await startTestPlatform({ HEARTBEAT_INTERVAL_MS: '150' });
    });
    afterAll(() => platform.stop());

    it('sends Heartbeat messages to an idle connection', async () => {
      const client = await connect(platform.wsUrl);
      const heartbeat = (await client.waitFor('heartbeat', 2, 2000)).heartbeat!;
      expect(Math.abs(heartbeat.serverTimeUs! / 1000 - Date.now())).toBeLessThan(2000);
    });

    it('reaps a connection that stops answering pings', async () => {
      const client = await connect(platform.wsUrl, 'bidtape.v1.proto', { autoPong: false });
      const closed = await client.waitClosed(3000);
      expect(closed.code).toBe(1006); // terminated without a close frame
      const live = await connect(platform.wsUrl);
      await sleep(600);
      expect(live.closed).toBeUndefined();
    });
  });
});
