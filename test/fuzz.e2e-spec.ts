import '../src/gateway/wire/protobuf-numbers';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import WebSocket from 'ws';
import { bidtape } from '../src/generated/bidtape';
import { createAuction } from './support/auctions';
import { quoteFor, startTestPlatform, UNLIMITED } from './support/platform';
import type { TestPlatform } from './support/platform';
import { frame, rawHttp, rawStream, upgradeRequest } from './support/raw-socket';
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

/** Close codes for hostile frames, all documented in docs/protocol.md (Close codes). */
const FRAME_CLOSES = new Set([1002, 1007, 1009]);
/** Statuses a hostile handshake may get, all in docs/protocol.md's handshake table. */
const HANDSHAKE_STATUSES = new Set([400, 401, 403, 404, 405, 429, 431, 503]);
const WELL_FORMED_RESPONSE = /^HTTP\/1\.1 (\d{3}) [^\r\n]+\r\n(?:[^\r\n]+\r\n)*\r\n/;

describe('fuzz over raw TCP: hand-built HTTP requests and RFC 6455 frames', () => {
  let platform: TestPlatform;
  let port: number;
  beforeAll(async () => {
    platform = await startTestPlatform({ ...UNLIMITED, MAX_MESSAGE_BYTES: '4096', DEFLATE_ENABLED: 'true' });
    port = Number(new URL(platform.url).port);
  });
  afterAll(() => platform.stop());

  it.each<[string, string | Buffer, number]>([
    ['an upgrade on an unknown path', upgradeRequest('/v1/streamX'), 404],
    ['an upgrade on the root', upgradeRequest('/'), 404],
    ['a POST upgrade', upgradeRequest().replace(/^GET/, 'POST'), 405],
    ['no Sec-WebSocket-Key', upgradeRequest('/v1/stream', { 'Sec-WebSocket-Key': '' }), 400],
    ['WebSocket version 12', upgradeRequest('/v1/stream', { 'Sec-WebSocket-Version': '12' }), 400],
    ['no bidtape subprotocol', upgradeRequest('/v1/stream', { 'Sec-WebSocket-Protocol': 'chat' }), 400],
    ['a Host header with a space', upgradeRequest('/v1/stream', { Host: 'a b' }), 400],
    ['headers over 16 KiB', upgradeRequest('/v1/stream', { 'X-Padding': 'x'.repeat(17 * 1024) }), 431],
    ['a request line that is not HTTP', 'HELLO THERE\r\n\r\n', 400],
    ['binary garbage', Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03, 0x0d, 0x0a, 0x0d, 0x0a]), 400],
    ['an invalid API key', upgradeRequest('/v1/stream', { 'X-Api-Key': 'btk_not-a-key' }), 401],
  ])('answers %s with a well-formed, documented HTTP status', async (_name, request, status) => {
    const answer = await rawHttp(port, request);
    const match = WELL_FORMED_RESPONSE.exec(answer);
    expect(match?.[1]).toBe(String(status));
    expect(HANDSHAKE_STATUSES.has(status)).toBe(true);
  });

  const ping = Buffer.from(pb.ClientMessage.encode({ id: 7, ping: { clientTime: 1 } }).finish());
  const closePayload = (code: number) => Buffer.from([code >> 8, code & 0xff]);
  it.each<[string, Buffer, number, Record<string, string>?]>([
    ['an unmasked client frame', frame({ opcode: 2, payload: ping, masked: false }), 1002],
    ['RSV2 set', frame({ opcode: 2, payload: ping, rsv: 2 }), 1002],
    ['RSV1 set without deflate negotiated', frame({ opcode: 2, payload: ping, rsv: 4 }), 1002],
    ['a reserved opcode', frame({ opcode: 3, payload: ping }), 1002],
    ['a ping over 125 bytes', frame({ opcode: 9, payload: Buffer.alloc(126) }), 1002],
    ['a fragmented ping', frame({ opcode: 9, fin: false, payload: Buffer.from('x') }), 1002],
    ['a continuation with nothing to continue', frame({ opcode: 0, payload: ping }), 1002],
    ['a close frame with a one-byte payload', frame({ opcode: 8, payload: Buffer.from([3]) }), 1002],
    ['a close frame with code 999', frame({ opcode: 8, payload: closePayload(999) }), 1002],
    ['a frame claiming 2^40 bytes', frame({ opcode: 2, payload: Buffer.alloc(8), claimedLength: 2 ** 40 }), 1009],
    ['a message over MAX_MESSAGE_BYTES in fragments', Buffer.concat([frame({ opcode: 2, fin: false, payload: Buffer.alloc(3000) }), frame({ opcode: 0, payload: Buffer.alloc(3000) })]), 1009],
    ['invalid UTF-8 on the JSON subprotocol', frame({ opcode: 1, payload: Buffer.from([0x7b, 0xc3, 0x28, 0x7d]) }), 1007, { 'Sec-WebSocket-Protocol': 'bidtape.v1.json' }],
    ['compressed data that does not inflate', frame({ opcode: 2, rsv: 4, payload: Buffer.from([0xff, 0xfe, 0xfd, 0xfc, 0x00]) }), 1007, { 'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits' }],
  ])('closes on %s with its documented code', async (_name, bytes, code, headers = {}) => {
    const ending = await rawStream(port, upgradeRequest('/v1/stream', headers), bytes);
    expect(ending.handshake).toMatch(/^HTTP\/1\.1 101 /);
    expect(ending.closeCode).toBe(code);
    expect(FRAME_CLOSES.has(code)).toBe(true);
  });

  it('answers a valid hand-built frame and echoes a clean close', async () => {
    const answered = await rawStream(port, upgradeRequest(), frame({ opcode: 2, payload: ping }), 500);
    expect(answered).toMatchObject({ dataFrames: 1, stillOpen: true });
    const closed = await rawStream(port, upgradeRequest(), frame({ opcode: 8, payload: closePayload(1000) }));
    expect(closed).toMatchObject({ closeCode: 1000, stillOpen: false });
  });

  it('gives 600 connections of random frames a documented close, or keeps them open, and stays up', async () => {
    const rng = xoroshiro128plus(20261201);
    const randomBytes = (n: number) => Buffer.from(Array.from({ length: n }, () => uniformInt(rng, 0, 255)));
    const randomFrame = () => {
      const payload = uniformInt(rng, 0, 3) === 0 ? ping : randomBytes(uniformInt(rng, 0, 300));
      return frame({
        fin: uniformInt(rng, 0, 3) > 0,
        rsv: uniformInt(rng, 0, 3) === 0 ? uniformInt(rng, 1, 7) : 0,
        opcode: [0, 1, 2, 2, 2, 3, 8, 9, 10, 11, 15][uniformInt(rng, 0, 10)],
        masked: uniformInt(rng, 0, 15) > 0,
        payload,
        claimedLength: uniformInt(rng, 0, 7) === 0 ? uniformInt(rng, 0, 2 ** 20) : undefined,
      });
    };
    const cases = Array.from({ length: 600 }, () => {
      const frames = [randomFrame(), randomFrame()];
      const sentClose = frames.map((f) => ((f[0] & 0x0f) === 8 && (f[0] & 0x70) === 0 ? f : null)).find(Boolean);
      return { bytes: Buffer.concat(frames), sentClose: Boolean(sentClose) };
    });
    const undocumented: string[] = [];
    let refusedByCode = 0;
    for (let i = 0; i < cases.length; i += 60) {
      await Promise.all(cases.slice(i, i + 60).map(async ({ bytes, sentClose }) => {
        const ending = await rawStream(port, upgradeRequest(), bytes, 400);
        if (!ending.handshake.startsWith('HTTP/1.1 101')) return undocumented.push(`handshake: ${ending.handshake.slice(0, 40)}`);
        if (ending.stillOpen) return;
        // A well-formed close from the client is echoed with the client's own code (RFC 6455 5.5.1).
        if (ending.closeCode !== null && FRAME_CLOSES.has(ending.closeCode)) return refusedByCode++;
        if (ending.closeCode !== null && sentClose) return;
        undocumented.push(`closed with ${ending.closeCode ?? 'no close frame'} after ${bytes.subarray(0, 12).toString('hex')}`);
      }));
    }
    expect(undocumented).toEqual([]);
    expect(refusedByCode).toBeGreaterThan(cases.length / 4); // the frames were hostile enough to be refused
    expect((await fetch(`${platform.url}/health`)).status).toBe(200);
  }, 60_000);
});
