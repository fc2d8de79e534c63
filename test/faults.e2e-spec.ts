import '../src/gateway/wire/protobuf-numbers';
import WebSocket from 'ws';
import { BidtapeClient } from '../sdk/src';
import type { GapEvent, TickUpdate } from '../sdk/src';
import { bidtape } from '../src/generated/bidtape';
import { pollUntil } from './support/poll';
import { quoteFor, startTestPlatform } from './support/platform';
import type { TestPlatform } from './support/platform';
import { StreamClient } from './support/stream-client';

const pb = bidtape.v1;
const SYMBOL = 'GBP-USD';

describe('fault injection for certifying clients (real sockets)', () => {
  let platform: TestPlatform;
  const clients: StreamClient[] = [];
  const sdks: BidtapeClient[] = [];
  let ticker: NodeJS.Timeout | undefined;
  const tickEvery = (ms: number) => {
    clearInterval(ticker);
    ticker = setInterval(() => platform.market.publish(quoteFor(SYMBOL)), ms);
  };
  const faultsUrl = (faults: bidtape.v1.IInjectFaults) => `${platform.wsUrl}?faults=${encodeURIComponent(JSON.stringify(faults))}`;

  beforeAll(async () => {
    platform = await startTestPlatform({ FAULTS_ENABLED: 'true', MAX_RATE: '1000' });
  });
  afterEach(() => {
    clearInterval(ticker);
    clients.splice(0).forEach((c) => c.close());
    sdks.splice(0).forEach((c) => c.close());
  });
  afterAll(() => platform.stop());

  const armed = async (faults: bidtape.v1.IInjectFaults) => {
    const client = await StreamClient.connect(platform.wsUrl);
    clients.push(client);
    const id = client.send({ injectFaults: faults });
    expect((await client.waitFor('faultsInjected')).faultsInjected!.requestId).toBe(id);
    client.subscribe([SYMBOL], 0);
    await client.waitFor('snapshot');
    return client;
  };

  it('drops ticks at the same positions for the same seed, and only on the connection that asked', async () => {
    const faults = { seed: 99, gapPerMille: 100 };
    const [first, second] = await Promise.all([armed(faults), armed(faults)]);
    const clean = await StreamClient.connect(platform.wsUrl);
    clients.push(clean);
    clean.subscribe([SYMBOL], 0);
    await clean.waitFor('snapshot');
    const start = Number(platform.market.latest(SYMBOL)?.seq ?? 0);
    for (let i = 0; i < 400; i++) platform.market.publish(quoteFor(SYMBOL)); // one burst: every client sees the same ticks
    await pollUntil('the clean client to have all 400', () => clean.ticks(SYMBOL).length === 400);
    await new Promise((r) => setTimeout(r, 100));
    /** Positions (1-based within the burst) of the ticks a client was not sent. */
    const missing = (c: StreamClient) => {
      const got = new Set(c.ticks(SYMBOL).map((t) => Number(t.seq) - start));
      return Array.from({ length: 400 }, (_, i) => i + 1).filter((p) => !got.has(p));
    };
    expect(missing(clean)).toEqual([]);
    expect(missing(first).length).toBeGreaterThan(15); // about 10 %
    expect(missing(first).length).toBeLessThan(80);
    expect(missing(second)).toEqual(missing(first));
    // What the client sees: gaps, first_seq beyond last_seq + 1.
    const ticks = first.ticks(SYMBOL);
    expect(ticks.some((t, i) => i > 0 && Number(t.firstSeq) > Number(ticks[i - 1].seq) + 1)).toBe(true);
  });

  it('delays and bursts without losing or reordering anything', async () => {
    const client = await armed({ seed: 3, burstPerMille: 30, burstMs: 300, delayPerMille: 30, delayMs: 50 });
    tickEvery(5);
    await pollUntil('300 ticks', () => client.ticks(SYMBOL).length >= 300, 15_000);
    const ticks = client.ticks(SYMBOL);
    const seqs = ticks.map((t) => Number(t.seq));
    const first = Number(client.of('snapshot')[0].snapshot!.symbols![0].latest?.seq ?? 0);
    expect(seqs).toEqual(seqs.map((_, i) => first + 1 + i)); // every tick, in order
    // A burst: a pause of about burstMs, then many frames within a few ms.
    const arrivals = client.received.filter((r) => r.message.tick).map((r) => r.atMs);
    const pause = arrivals.findIndex((t, i) => i > 0 && t - arrivals[i - 1] > 250);
    expect(pause).toBeGreaterThan(0);
    expect(arrivals.slice(pause, pause + 20).every((t) => t - arrivals[pause] < 50)).toBe(true);
  }, 30_000);

  it.each([4008, 4029, 1011, 1001])('closes the connection with %d when asked', async (code) => {
    const client = await armed({ closeAfterMs: 150, closeCode: code });
    expect((await client.waitClosed(3000)).code).toBe(code);
  });

  it('changes the epoch of the connection: an unsolicited snapshot with a new epoch, then ticks continue from it', async () => {
    const client = await armed({ epochChangeAfterMs: 200 });
    tickEvery(10);
    const changed = await pollUntil('the new epoch', () => client.of('snapshot').find((m) => m.snapshot!.requestId === 0), 3000);
    const symbol = changed.snapshot!.symbols![0];
    expect(symbol.epoch).toMatch(/^fault-epoch-\d+$/);
    const from = Number(symbol.latest!.seq);
    await pollUntil('ticks after it', () => client.ticks(SYMBOL).some((t) => Number(t.seq) === from + 1), 3000);
  });

  it('arms faults from the handshake, and refuses settings out of range', async () => {
    const viaHandshake = await StreamClient.connect(faultsUrl({ closeAfterMs: 100, closeCode: 4000 }));
    clients.push(viaHandshake);
    expect((await viaHandshake.waitFor('faultsInjected')).faultsInjected).toMatchObject({ requestId: 0 });
    expect((await viaHandshake.waitClosed(3000)).code).toBe(4000);
    const client = await StreamClient.connect(platform.wsUrl);
    clients.push(client);
    for (const faults of [{ closeCode: 1000 }, { gapPerMille: 900, burstPerMille: 200 }, { delayMs: 60_000 }]) {
      const id = client.send({ injectFaults: faults });
      const error = await pollUntil('the refusal', () => client.of('error').find((m) => m.error!.requestId === id)?.error ?? undefined);
      expect(error.code).toBe(pb.ErrorCode.ERROR_CODE_INVALID_REQUEST);
    }
  });

  it('reads ?faults= in the JSON mapping, as it reads JSON frames: integers as decimal strings, never wrapped', async () => {
    const asStrings = await StreamClient.connect(`${platform.wsUrl}?faults=${encodeURIComponent('{"seed":"42","closeAfterMs":"100","closeCode":4000}')}`);
    clients.push(asStrings);
    expect((await asStrings.waitFor('faultsInjected')).faultsInjected).toMatchObject({ requestId: 0 });
    expect((await asStrings.waitClosed(3000)).code).toBe(4000);
    const outOfRange = await StreamClient.connect(faultsUrl({ closeAfterMs: 2 ** 32 + 100, closeCode: 4000 })); // wrapped, it would be 100 ms
    clients.push(outOfRange);
    const error = (await outOfRange.waitFor('error')).error!;
    expect(error).toMatchObject({ requestId: 0, code: pb.ErrorCode.ERROR_CODE_INVALID_REQUEST });
    expect(error.message).toContain('closeAfterMs');
    expect(outOfRange.of('faultsInjected')).toEqual([]);
  });

  it('is off unless the server enables it', async () => {
    const plain = await startTestPlatform();
    try {
      const client = await StreamClient.connect(plain.wsUrl);
      clients.push(client);
      const id = client.send({ injectFaults: { seed: 1, gapPerMille: 500 } });
      expect((await client.waitFor('error')).error).toMatchObject({ requestId: id, code: pb.ErrorCode.ERROR_CODE_FORBIDDEN });
      const raw = new WebSocket(`${plain.wsUrl}?faults=${encodeURIComponent('{"gapPerMille":500}')}`, 'bidtape.v1.proto');
      const first = await new Promise<bidtape.v1.ServerMessage>((resolve) => raw.once('message', (d: Buffer) => resolve(pb.ServerMessage.decode(d))));
      raw.terminate();
      expect(first.error?.code).toBe(pb.ErrorCode.ERROR_CODE_FORBIDDEN);
    } finally {
      await plain.stop();
    }
  });

  describe('the SDK recovers from every fault', () => {
    const sdk = (faults: bidtape.v1.IInjectFaults) => {
      const client = new BidtapeClient({ url: faultsUrl(faults), reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
      sdks.push(client);
      const gaps: GapEvent[] = [];
      const ticks: TickUpdate[] = [];
      client.on('gap', (g) => gaps.push(g));
      client.on('tick', (u) => ticks.push(u));
      return { client, gaps, ticks };
    };
    const strictlyIncreasing = (ticks: TickUpdate[]) =>
      ticks.every((u, i) => i === 0 || u.epoch !== ticks[i - 1].epoch || Number(u.tick.seq) > Number(ticks[i - 1].tick.seq));

    it('reports a gap and carries on from the newer tick', async () => {
      const { client, gaps, ticks } = sdk({ seed: 11, gapPerMille: 100 });
      await client.connect();
      await client.subscribe([SYMBOL], { maxRate: 0 }).ready;
      tickEvery(5);
      await pollUntil('a gap and ticks after it', () => gaps.length > 0 && ticks.length > 100, 10_000);
      expect(gaps.every((g) => g.cause === 'tick' && g.got > g.expected)).toBe(true);
      expect(strictlyIncreasing(ticks)).toBe(true);
    });

    it('takes delays and bursts without a gap', async () => {
      const { client, gaps, ticks } = sdk({ seed: 12, burstPerMille: 20, burstMs: 200, delayPerMille: 20, delayMs: 40 });
      await client.connect();
      await client.subscribe([SYMBOL], { maxRate: 0 }).ready;
      tickEvery(5);
      await pollUntil('200 ticks', () => ticks.length >= 200, 15_000);
      expect(gaps).toEqual([]);
      expect(strictlyIncreasing(ticks)).toBe(true);
    }, 30_000);

    it('reconnects and resumes after a forced close it may retry (4008), and stops after one it may not (4003)', async () => {
      const retry = sdk({ closeAfterMs: 150, closeCode: 4008 });
      const states: string[] = [];
      retry.client.on('state', (s) => states.push(s));
      await retry.client.connect();
      await retry.client.subscribe([SYMBOL], { maxRate: 0 }).ready;
      tickEvery(10);
      await pollUntil('resumed', () => states.includes('resumed'), 5000);
      const resumedAt = retry.ticks.length;
      await pollUntil('ticks after resuming', () => retry.ticks.length > resumedAt + 3, 5000);
      expect(strictlyIncreasing(retry.ticks)).toBe(true);

      const fatal = sdk({ closeAfterMs: 150, closeCode: 4003 });
      const fatalStates: string[] = [];
      fatal.client.on('state', (s) => fatalStates.push(s));
      await fatal.client.connect();
      await pollUntil('closed for good', () => fatalStates.includes('closed'), 5000);
      expect(fatalStates).not.toContain('reconnecting');
    });

    it('notices an epoch change and follows the new numbering', async () => {
      const { client, gaps, ticks } = sdk({ epochChangeAfterMs: 200 });
      await client.connect();
      await client.subscribe([SYMBOL], { maxRate: 0 }).ready;
      tickEvery(10);
      await pollUntil('the epoch change', () => gaps.some((g) => g.cause === 'epoch'), 5000);
      await pollUntil('ticks under the new epoch', () => ticks.some((u) => u.epoch.startsWith('fault-epoch-')), 5000);
    });
  });
});
