import type { Socket } from 'node:net';
import { constants, inflateRawSync } from 'node:zlib';
import '../src/gateway/wire/protobuf-numbers';
import { bidtape } from '../src/generated/bidtape';
import { handshake } from './support/handshake';
import { pollUntil } from './support/poll';
import { quoteFor, startTestPlatform } from './support/platform';
import type { TestPlatform } from './support/platform';
import { StreamClient } from './support/stream-client';

interface RawFrame {
  compressed: boolean;
  opcode: number;
  payload: Buffer;
}

/** Reads the server's frames off the TCP socket, next to the ws client's own parser. */
function sniffFrames(client: StreamClient): RawFrame[] {
  const frames: RawFrame[] = [];
  let pending = Buffer.alloc(0);
  (client.ws as unknown as { _socket: Socket })._socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      if (pending.length < 2) return;
      let length = pending[1] & 0x7f;
      let offset = 2;
      if (length === 126) [length, offset] = [pending.readUInt16BE(2), 4];
      else if (length === 127) [length, offset] = [Number(pending.readBigUInt64BE(2)), 10];
      if (pending.length < offset + length) return;
      frames.push({ compressed: (pending[0] & 0x40) !== 0, opcode: pending[0] & 0x0f, payload: pending.subarray(offset, offset + length) });
      pending = pending.subarray(offset + length);
    }
  });
  return frames;
}

const ALL = ['BTC-USD', 'ETH-USD', 'SOL-USD', 'AAPL', 'MSFT', 'NVDA', 'TSLA', 'AMZN', 'EUR-USD', 'GBP-USD', 'USD-JPY', 'XAU-USD'];

describe('permessage-deflate (real server, real sockets)', () => {
  let platform: TestPlatform;
  const clients: StreamClient[] = [];
  const connect = async (...args: Parameters<typeof StreamClient.connect>) => {
    const client = await StreamClient.connect(...args);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    platform = await startTestPlatform({ DEFLATE_THRESHOLD_BYTES: '120', DEFLATE_WINDOW_BITS: '10' });
  });
  afterEach(() => clients.splice(0).forEach((c) => c.close()));
  afterAll(() => platform.stop());

  it('negotiates bounded compression and the standard ws client decodes it', async () => {
    const client = await connect(platform.wsUrl, 'bidtape.v1.proto', { perMessageDeflate: true });
    const frames = sniffFrames(client);
    const accepted = (client.ws as unknown as { _extensions: Record<string, { params: object }> })._extensions;
    expect(accepted['permessage-deflate'].params).toMatchObject({
      server_no_context_takeover: true,
      client_no_context_takeover: true,
      server_max_window_bits: 10,
    });

    client.subscribe(ALL, 0);
    const snapshot = (await client.waitFor('snapshot')).snapshot!;
    expect(snapshot.symbols!.map((s) => s.instrument!.symbol).sort()).toEqual([...ALL].sort());
    const tick = platform.market.publish(quoteFor('AAPL'));
    await pollUntil('the tick', () => client.ticks('AAPL').some((t) => t.seq === tick.seq));

    // The big snapshot went compressed; the small ack and protobuf tick stayed under the threshold.
    await pollUntil('all frames sniffed', () => frames.length >= 3);
    const [ack, snapshotFrame, tickFrame] = frames;
    expect(ack.compressed).toBe(false);
    expect(snapshotFrame.compressed).toBe(true);
    expect(tickFrame.compressed).toBe(false);
    const inflated = inflateRawSync(Buffer.concat([snapshotFrame.payload, Buffer.from([0, 0, 0xff, 0xff])]), { windowBits: 10, finishFlush: constants.Z_SYNC_FLUSH });
    expect(inflated.length).toBeGreaterThan(snapshotFrame.payload.length);
    expect(bidtape.v1.ServerMessage.decode(inflated).snapshot!.symbols).toHaveLength(ALL.length);
  });

  it('sends the very same compressed bytes to every client that shares a window size', async () => {
    const a = await connect(platform.wsUrl, 'bidtape.v1.json', { perMessageDeflate: true });
    const b = await connect(platform.wsUrl, 'bidtape.v1.json', { perMessageDeflate: true });
    const wide = await connect(platform.wsUrl, 'bidtape.v1.json', { perMessageDeflate: { serverMaxWindowBits: 15 } });
    const plain = await connect(platform.wsUrl, 'bidtape.v1.json');
    const sniffed = [a, b, wide, plain].map(sniffFrames);
    for (const c of [a, b, wide, plain]) {
      c.subscribe(['BTC-USD'], 0);
      await c.waitFor('snapshot');
    }
    const tick = platform.market.publish(quoteFor('BTC-USD')); // a JSON tick is over the 120-byte threshold
    for (const c of [a, b, wide, plain]) {
      await pollUntil('the tick', () => c.ticks('BTC-USD').some((t) => t.seq === tick.seq));
    }
    const lastFrame = (frames: RawFrame[]) => frames.at(-1)!;
    const [fa, fb, fw, fp] = sniffed.map(lastFrame);
    expect(fa.compressed && fb.compressed && fw.compressed).toBe(true);
    expect(fp.compressed).toBe(false);
    expect(fa.payload.equals(fb.payload)).toBe(true);
    expect(fw.payload.equals(fa.payload)).toBe(true); // asked for 15, got the server's 10
    expect(JSON.parse(fp.payload.toString())).toMatchObject({ tick: { symbol: 'BTC-USD', seq: String(tick.seq) } });
    // A server window below DEFLATE_WINDOW_BITS cannot be granted: declined, the connection is uncompressed.
    const narrow = await StreamClient.connect(platform.wsUrl, 'bidtape.v1.json', { perMessageDeflate: { serverMaxWindowBits: 9 } });
    expect(narrow.ws.extensions).toBe('');
    narrow.close();
    const metrics = await (await fetch(`${platform.url}/metrics`)).text();
    const counter = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(metrics)![1]);
    expect(counter('bidtape_deflate_input_bytes_total')).toBeGreaterThan(counter('bidtape_deflate_output_bytes_total'));
  });

  it.each([
    'permessage-deflate',
    'permessage-deflate; server_max_window_bits=15',
    'permessage-deflate; server_no_context_takeover',
  ])('accepts the RFC 7692 offer "%s" (no client_max_window_bits), uncompressed', async (offer) => {
    const answer = await handshake(platform.wsUrl, { 'Sec-WebSocket-Extensions': offer });
    expect(answer.status).toBe(101);
  });
});
