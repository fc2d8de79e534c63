import WebSocket from 'ws';
import fc from 'fast-check';
import { decodeClientMessage } from './client-decoder';
import { deflateMessage } from './deflate';
import { buildServerFrame, OPCODE_BINARY, OPCODE_TEXT } from './frame';
import { ErrorCode, pb } from './messages';
import { FrameEncoder, frameKind } from './outbound';
import { chooseSubprotocol, Encoding, negotiatedDeflateWindowBits } from './subprotocol';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writer } from 'protobufjs/minimal';
import { Enum, Root, Type } from 'protobufjs/light';
import type { Field, INamespace } from 'protobufjs/light';

interface FrameReceiver {
  on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  write(chunk: Buffer): void;
}
interface DeflateExtension {
  accept(offers: Record<string, string[] | true[]>[]): void;
}
// ws's own frame parser, as a client uses it; its types do not declare these classes.
const { Receiver } = WebSocket as unknown as {
  Receiver: new (options: { isServer: boolean; extensions: Record<string, unknown> }) => FrameReceiver;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const PerMessageDeflate = require(path.join(path.dirname(require.resolve('ws')), 'lib', 'permessage-deflate.js')) as {
  new (options: object, isServer: boolean): DeflateExtension;
  extensionName: string;
};

/** Parses frames with ws's own receiver, as a client would, inflating when compressed. */
function receive(frames: Buffer[], windowBits = 0): Promise<{ data: Buffer; isBinary: boolean }[]> {
  const extensions: Record<string, unknown> = {};
  if (windowBits) {
    const deflate = new PerMessageDeflate({}, false);
    deflate.accept([{ server_no_context_takeover: [true], server_max_window_bits: [String(windowBits)] }]);
    extensions[PerMessageDeflate.extensionName] = deflate;
  }
  const receiver = new Receiver({ isServer: false, extensions });
  const out: { data: Buffer; isBinary: boolean }[] = [];
  return new Promise((resolve, reject) => {
    receiver.on('message', (data: Buffer, isBinary: boolean) => {
      out.push({ data, isBinary });
      if (out.length === frames.length) resolve(out);
    });
    receiver.on('error', reject);
    for (const f of frames) receiver.write(f);
  });
}

describe(buildServerFrame.name, () => {
  it.each([0, 1, 125, 126, 65535, 65536, 200_000])('frames a %i-byte payload that ws parses back', async (size) => {
    const payload = Buffer.alloc(size, 7);
    const [message] = await receive([buildServerFrame(payload, OPCODE_BINARY, false)]);
    expect(message.isBinary).toBe(true);
    expect(message.data.equals(payload)).toBe(true);
  });
});

describe(deflateMessage.name, () => {
  it('produces messages a permessage-deflate peer inflates, independently of each other', async () => {
    const settings = { thresholdBytes: 0, level: 6, memLevel: 8 };
    const payloads = [Buffer.from('a'.repeat(2000)), Buffer.from('hello bidtape '.repeat(50))];
    const frames = payloads.map((p) => buildServerFrame(deflateMessage(p, 10, settings), OPCODE_TEXT, true));
    const messages = await receive(frames, 10);
    expect(messages.map((m) => m.data.toString())).toEqual(payloads.map((p) => p.toString()));
    expect(frames[0].length).toBeLessThan(100);
  });
});

describe(FrameEncoder.name, () => {
  const counters = { deflateInputBytes: 0, deflateOutputBytes: 0 };
  const encoder = new FrameEncoder({ thresholdBytes: 64, level: 6, memLevel: 8 }, counters);
  const tick = { symbol: 'EUR-USD', seq: 12, firstSeq: 9, bidPrice: 108_497, askPrice: 108_503, bidSize: 3, askSize: 4,
    lastPrice: 108_500, timestampUs: 1_795_386_000_000_000 };

  it('builds each frame variant once and reuses it', () => {
    const message = encoder.tick(tick);
    const kind = frameKind(Encoding.Proto, 0);
    expect(message.frame(kind)).toBe(message.frame(kind));
  });

  it('encodes a tick exactly as protobufjs encodes ServerMessage{tick}', () => {
    expect(Buffer.from(encoder.tick(tick).proto())).toEqual(Buffer.from(pb.ServerMessage.encode({ tick }).finish()));
  });

  it('joins encoded ticks into a TickBatch without re-encoding them', async () => {
    const second = { ...tick, symbol: 'GBP-USD', seq: 3, firstSeq: 3 };
    const batch = encoder.tickBatch([encoder.tick(tick), encoder.tick(second)]);
    expect(Buffer.from(batch.proto())).toEqual(Buffer.from(pb.ServerMessage.encode({ tickBatch: { ticks: [tick, second] } }).finish()));
    const [message] = await receive([batch.frame(frameKind(Encoding.Proto, 0))]);
    const decoded = pb.ServerMessage.decode(message.data);
    expect(decoded.tickBatch!.ticks!.map((t) => pb.Tick.toObject(t as never))).toEqual([tick, second]);
  });

  it('deflates a TickBatch once for every connection with that window', async () => {
    const symbols = ['BTC-USD', 'ETH-USD', 'SOL-USD', 'AAPL', 'MSFT', 'NVDA', 'TSLA', 'AMZN', 'EUR-USD', 'GBP-USD', 'USD-JPY', 'XAU-USD'];
    const batch = encoder.tickBatch(symbols.map((symbol, i) => encoder.tick({ ...tick, symbol, seq: 100 + i, firstSeq: 100 + i })));
    const kind = frameKind(Encoding.Proto, 10);
    const compressed = batch.frame(kind);
    expect(compressed).toBe(batch.frame(kind));
    expect(compressed[0] & 0x40).toBe(0x40);
    expect(compressed.length).toBeLessThan(batch.proto().length);
    const [inflated] = await receive([compressed], 10);
    expect(pb.ServerMessage.decode(inflated.data).tickBatch!.ticks!.map((t) => t.symbol)).toEqual(symbols);
  });

  it('writes the protobuf JSON mapping on the JSON subprotocol, compressed above the threshold', async () => {
    const message = encoder.tick(tick);
    const [plain] = await receive([message.frame(frameKind(Encoding.Json, 0))]);
    expect(JSON.parse(plain.data.toString())).toEqual({
      tick: { ...tick, seq: '12', firstSeq: '9', bidPrice: '108497', askPrice: '108503', bidSize: '3', askSize: '4',
        lastPrice: '108500', timestampUs: '1795386000000000' },
    });
    const compressedFrame = message.frame(frameKind(Encoding.Json, 10));
    expect(compressedFrame[0] & 0x40).toBe(0x40);
    const [inflated] = await receive([compressedFrame], 10);
    expect(inflated.data.equals(plain.data)).toBe(true);
    expect(counters.deflateOutputBytes).toBeGreaterThan(0);
  });

  it('leaves frames under the threshold uncompressed', () => {
    const small = encoder.message({ pong: { requestId: 1 } }).frame(frameKind(Encoding.Proto, 10));
    expect(small[0] & 0x40).toBe(0);
  });
});

describe(decodeClientMessage.name, () => {
  const subscribe = pb.ClientMessage.encode({ id: 5, subscribe: { symbols: ['AAPL'], maxRate: 0 } }).finish();

  it('decodes both encodings to the same message, keeping an explicit rate of 0', () => {
    const binary = decodeClientMessage(Buffer.from(subscribe), true, Encoding.Proto);
    const json = decodeClientMessage(Buffer.from('{"id":5,"subscribe":{"symbols":["AAPL"],"maxRate":0}}'), false, Encoding.Json);
    for (const result of [binary, json]) {
      expect(result.ok && result.message.kind).toBe('subscribe');
      expect(result.ok && result.message.subscribe!.maxRate).toBe(0);
      expect(result.ok && result.message.subscribe!.symbols).toEqual(['AAPL']);
    }
  });

  it('never throws on arbitrary bytes or text, and always names a code', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), fc.boolean(), fc.constantFrom(Encoding.Proto, Encoding.Json),
        (bytes, isBinary, encoding) => {
          const result = decodeClientMessage(Buffer.from(bytes), isBinary, encoding);
          if (!result.ok) expect(Object.values(ErrorCode)).toContain(result.code);
        }),
      { numRuns: 2000 },
    );
  });

  /** A ClientMessage written by hand: `id` and a SubscribeRequest whose max_rate varint is `maxRate`. */
  const handWritten = (id: number, maxRate: number) => {
    const inner = Writer.create().uint32((1 << 3) | 2).string('AAPL').uint32((2 << 3) | 0).uint64(maxRate).finish();
    return Buffer.from(Writer.create().uint32((1 << 3) | 0).uint64(id).uint32((10 << 3) | 2).bytes(inner).finish());
  };

  it.each([
    ['max_rate of 2^32 (would read as 0: unthrottled)', handWritten(3, 2 ** 32), 3, 'subscribe.maxRate'],
    ['max_rate of 2^32 + 5', handWritten(3, 2 ** 32 + 5), 3, 'subscribe.maxRate'],
    ['an id of 2^32 + 1 (would read as 1)', handWritten(2 ** 32 + 1, 5), 0, 'id'],
  ])('refuses a binary 32-bit field whose varint is wider than 32 bits: %s', (_name, bytes, requestId, field) => {
    const result = decodeClientMessage(bytes, true, Encoding.Proto);
    expect(result).toMatchObject({ ok: false, code: ErrorCode.ERROR_CODE_MALFORMED_MESSAGE, requestId });
    expect(!result.ok && result.reason).toContain(field);
  });

  it('accepts the largest values 32-bit fields can carry', () => {
    const result = decodeClientMessage(handWritten(2 ** 32 - 1, 2 ** 32 - 1), true, Encoding.Proto);
    expect(result.ok && [result.message.id, result.message.subscribe!.maxRate]).toEqual([2 ** 32 - 1, 2 ** 32 - 1]);
  });

  /** Every enum field a ClientMessage can hold, as the fields leading to it (it last). */
  const enumFields = (() => {
    const root = Root.fromJSON(JSON.parse(readFileSync(path.join(__dirname, '../../generated/bidtape.json'), 'utf8')) as INamespace);
    const found: Field[][] = [];
    const walk = (type: Type, at: Field[]): void => {
      type.resolveAll();
      for (const field of type.fieldsArray) {
        if (field.resolvedType instanceof Enum) found.push([...at, field]);
        else if (field.resolvedType instanceof Type) walk(field.resolvedType, [...at, field]);
      }
    };
    walk(root.lookupType('bidtape.v1.ClientMessage'), []);
    return found;
  })();
  /** The JSON of a ClientMessage holding `value` at the end of `fields` (repeated ones as one-element lists). */
  const jsonAt = (fields: Field[], value: unknown) =>
    JSON.stringify({ id: 7, ...(fields.reduceRight<unknown>((inner, field) => ({ [field.name]: field.repeated ? [inner] : inner }), value) as object) });
  /** What a decoded message holds at the end of `fields`, or why it was refused. */
  const valueAt = (fields: Field[], text: string): unknown => {
    const result = decodeClientMessage(Buffer.from(text), false, Encoding.Json);
    if (!result.ok) return result.reason;
    return fields.reduce<unknown>((object, field) => {
      const value = (object as Record<string, unknown>)[field.name];
      return field.repeated ? (value as unknown[])[0] : value;
    }, result.message);
  };

  it('has enum fields to check (subscribe channels and interval, unsubscribe channels, published sides)', () => {
    expect(enumFields.map((fields) => fields.map((f) => f.name).join('.'))).toEqual(expect.arrayContaining(
      ['subscribe.channels', 'subscribe.candleInterval', 'unsubscribe.channels', 'publish.trades.aggressorSide']));
  });

  it.each(enumFields.map((fields) => [fields.map((f) => f.name).join('.'), fields] as const))(
    'takes %s in JSON by name or by number (the proto3 JSON mapping), and refuses a name the enum does not have',
    (where, fields) => {
      const [name, number] = Object.entries((fields[fields.length - 1].resolvedType as Enum).values).find(([, n]) => n !== 0)!;
      expect(valueAt(fields, jsonAt(fields, name))).toBe(number);
      expect(valueAt(fields, jsonAt(fields, number))).toBe(number);
      const unknown = decodeClientMessage(Buffer.from(jsonAt(fields, 'NOT_A_VALUE')), false, Encoding.Json);
      expect(unknown).toMatchObject({ ok: false, code: ErrorCode.ERROR_CODE_MALFORMED_MESSAGE, requestId: 7 });
      expect(!unknown.ok && unknown.reason.replace(/\[\d+\]/g, '')).toContain(where);
    },
  );

  it('reports frames of the wrong type', () => {
    const text = decodeClientMessage(Buffer.from(subscribe), false, Encoding.Proto);
    expect(!text.ok && text.code).toBe(ErrorCode.ERROR_CODE_WRONG_FRAME_TYPE);
  });
});

describe(chooseSubprotocol.name, () => {
  it.each([
    [['bidtape.v1.proto'], 'bidtape.v1.proto'],
    [['bidtape.v1.json'], 'bidtape.v1.json'],
    [['bidtape.v1.json', 'bidtape.v1.proto'], 'bidtape.v1.proto'],
    [['bidtape.v2.proto', 'chat'], undefined],
    [[], undefined],
  ])('picks from %j: %s', (offered, expected) => {
    expect(chooseSubprotocol(offered)).toBe(expected);
  });

  it.each([
    ['permessage-deflate; server_no_context_takeover; server_max_window_bits=10', 10],
    ['permessage-deflate; client_no_context_takeover', 15],
    ['', 0],
  ])('reads the deflate window from "%s"', (header, bits) => {
    expect(negotiatedDeflateWindowBits(header)).toBe(bits);
  });
});
