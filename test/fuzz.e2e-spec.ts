import '../src/gateway/wire/protobuf-numbers';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import WebSocket from 'ws';
import { bidtape } from '../src/generated/bidtape';
import { createAuction } from './support/auctions';
import { quoteFor, startTestPlatform, UNLIMITED } from './support/platform';
import type { TestPlatform } from './support/platform';
import { StreamClient } from './support/stream-client';

const pb = bidtape.v1;
const FRAMES = 100_000;
const FUZZERS = 10;
/** Close codes a hostile client may get, all documented in docs/protocol.md. */
const DOCUMENTED_CLOSES = new Set([1002, 1007, 1009, 4029]);

/** Valid messages of every kind, as seeds for mutation. */
function seeds(auctionId: string): Uint8Array[] {
  return [
    { id: 1, subscribe: { symbols: ['AAPL', 'BTC-USD'], maxRate: 5 } },
    { id: 2, unsubscribe: { symbols: ['AAPL'] } },
    { id: 3, ping: { clientTime: 123456789 } },
    { id: 4, placeBid: { auctionId, amount: 1000, maxAmount: 5000, clientBidId: 'fuzz' } },
    { id: 5, subscribeAuction: { auctionId, fromSeq: 0 } },
    { id: 6, unsubscribeAuction: { auctionId } },
  ].map((m) => pb.ClientMessage.encode(m).finish());
}

/** One hostile frame: mutated, truncated, extended, random, huge varints, negative amounts, or of the wrong type. */
function mutate(rng: RandomGenerator, seed: Uint8Array): { data: Buffer | string; binary: boolean } {
  const bytes = Buffer.from(seed);
  switch (uniformInt(rng, 0, 7)) {
    case 0: // flip random bytes
      for (let i = uniformInt(rng, 1, 4); i > 0; i--) bytes[uniformInt(rng, 0, bytes.length - 1)] = uniformInt(rng, 0, 255);
      return { data: bytes, binary: true };
    case 1: // truncate
      return { data: bytes.subarray(0, uniformInt(rng, 0, bytes.length - 1)), binary: true };
    case 2: // append garbage
      return { data: Buffer.concat([bytes, Buffer.from(Array.from({ length: uniformInt(rng, 1, 40) }, () => uniformInt(rng, 0, 255)))]), binary: true };
    case 3: // random bytes
      return { data: Buffer.from(Array.from({ length: uniformInt(rng, 0, 200) }, () => uniformInt(rng, 0, 255))), binary: true };
    case 4: // a huge varint where a length or number is expected
      return { data: Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x52, 0xff, 0xff, 0xff, 0xff, 0x0f]), binary: true };
    case 5: // overflowing, negative or zero amounts
      return {
        data: Buffer.from(pb.ClientMessage.encode({ id: 9, placeBid: { auctionId: 'x', amount: [-1, 0, 2 ** 53, -(2 ** 53)][uniformInt(rng, 0, 3)], clientBidId: 'n' } }).finish()),
        binary: true,
      };
    case 6: // a text frame on the binary subprotocol
      return { data: '{"subscribe":{"symbols":["AAPL"]}}', binary: false };
    default: // unknown oneof member (field 99) and unknown fields
      return { data: Buffer.from([0x08, 0x01, 0x9a, 0x06, 0x02, 0x08, 0x01, 0xf8, 0x07, 0x05]), binary: true };
  }
}

describe(`fuzz: ${FRAMES} hostile frames over real sockets`, () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ ...UNLIMITED, MAX_MESSAGE_BYTES: '4096' });
  });
  afterAll(() => platform.stop());

  it('never crashes, stays bounded in memory, and does not disturb a well-behaved client', async () => {
    const auction = await createAuction(platform.url);
    const good = await StreamClient.connect(platform.wsUrl);
    good.subscribe(['EUR-USD'], 0);
    const snapshot = (await good.waitFor('snapshot')).snapshot!;
    const publisher = setInterval(() => platform.market.publish(quoteFor('EUR-USD')), 10);
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;

    const rng = xoroshiro128plus(20261122);
    const valid = seeds(auction.id);
    const closes: number[] = [];
    let answers = 0;
    await Promise.all(Array.from({ length: FUZZERS }, async () => {
      let sent = 0;
      while (sent < FRAMES / FUZZERS) {
        const ws = new WebSocket(platform.wsUrl, 'bidtape.v1.proto');
        ws.on('message', () => answers++);
        ws.on('error', () => undefined);
        await new Promise<void>((resolve) => ws.once('open', () => resolve()));
        const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
        let open = true;
        void closed.then(() => (open = false));
        while (open && sent < FRAMES / FUZZERS) {
          const frame = mutate(rng, valid[uniformInt(rng, 0, valid.length - 1)]);
          ws.send(frame.data, { binary: frame.binary });
          sent++;
          if (sent % 200 === 0) await new Promise((r) => setImmediate(r)); // let the server breathe
        }
        if (open) {
          ws.close(1000);
          await closed;
        } else {
          closes.push(await closed);
        }
      }
    }));
    clearInterval(publisher);

    // The server is up and still serving.
    expect((await fetch(`${platform.url}/health`)).status).toBe(200);
    good.send({ ping: { clientTime: 1 } });
    await good.waitFor('pong');
    // Every hostile connection that was closed by the server got a documented code.
    expect(closes.filter((c) => !DOCUMENTED_CLOSES.has(c))).toEqual([]);
    expect(answers).toBeGreaterThan(FRAMES / 2); // hostile frames were answered (errors), not ignored
    // The well-behaved subscriber saw every update, in order, while all this went on.
    const ticks = good.ticks('EUR-USD');
    expect(ticks.length).toBeGreaterThan(10);
    let last = snapshot.symbols![0].latest?.seq ?? 0;
    for (const t of ticks) {
      expect(t.firstSeq).toBe(last + 1);
      last = t.seq!;
    }
    good.close();
    // Memory bounded: nothing per frame is retained.
    global.gc?.();
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 1024 * 1024);
  }, 120_000);
});
