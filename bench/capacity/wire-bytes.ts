/**
 * Bytes per tick on the wire, computed from real encodings (no network): bidtape's tick frame
 * and TickBatch frame as the gateway's FrameEncoder builds them, the peers' `ServerMessage`
 * bytes (tick-stream.ts), Socket.IO's two frames as socket.io-parser encodes a broadcast, and
 * the same values as a Coinbase Exchange `ticker` JSON message. Also, for the deflate and json
 * phases, a 12-symbol subscribe Snapshot and TickBatch raw and deflated, and a tick as JSON.
 */
import { randomUUID } from 'node:crypto';
import { Encoder, PacketType } from 'socket.io-parser';
import { instrumentMessage } from '../../src/gateway/market-messages';
import { FrameEncoder, frameKind } from '../../src/gateway/wire/outbound';
import { Encoding } from '../../src/gateway/wire/subprotocol';
import type { bidtape } from '../../src/generated/bidtape';
import { PriceModel } from '../../src/simulator/price-model';
import { TICK_HEADER_PREFIX } from '../socketio-client';
import { BENCH_CATALOGUE, BENCH_INSTRUMENT, BENCH_INSTRUMENTS, CATALOGUE_SYMBOLS, encodeTickMessage, tickJsonText, TickStream } from '../tick-stream';

type Tick = bidtape.v1.ITick;

/** Header of an unmasked server frame (RFC 6455 §5.2): 2 bytes, 4 from 126 bytes, 10 from 64 KiB. */
export const wsHeaderBytes = (payloadBytes: number) => (payloadBytes < 126 ? 2 : payloadBytes < 65536 ? 4 : 10);

/** The payload of a complete unmasked frame, read from its header. */
function payloadOf(frame: Buffer): Buffer {
  const length7 = frame[1] & 0x7f;
  return frame.subarray(length7 < 126 ? 2 : length7 === 126 ? 4 : 10);
}

export interface WireSize {
  message: string;
  /** WebSocket frames per tick (a batch: 1 / ticks in it). */
  frames: number;
  /** Payload bytes of each frame of one message. */
  payloadBytes: number[];
  /** Frame headers of one message. */
  headerBytes: number;
  /** Ticks the message carries. */
  ticks: number;
  bytesPerTick: number;
}

export interface WireBytes {
  sizes: WireSize[];
  /** The Coinbase message counted, as sent. */
  coinbaseJson: string;
  /** bidtape's tick payload is byte for byte the peers' (bare-ws, Socket.IO attachment). */
  samePayloadAsPeers: boolean;
}

/** One tick of each catalogue symbol, what a throttled subscription to all of them gets per flush. */
function oneTickPerSymbol(seed: number, base: Tick): Tick[] {
  const model = new PriceModel({ seed, ticksPerSecond: 400, timeAcceleration: 60, instruments: [...BENCH_CATALOGUE] });
  const pending = new Map<string, Tick>();
  while (pending.size < BENCH_CATALOGUE.length) {
    const quote = model.next();
    pending.set(quote.symbol, { ...quote, seq: base.seq, firstSeq: base.firstSeq, timestampUs: base.timestampUs });
  }
  return CATALOGUE_SYMBOLS.map((symbol) => pending.get(symbol)!);
}

/**
 * The newest tick of each catalogue symbol after a stretch of the stream at `ticksPerSecond`,
 * each with its own seq and publish time (spaced as that rate spaces them): what a flush
 * carries in a run, where the fields differ from tick to tick as much as deflate will see.
 */
function flushOfTicks(seed: number, ticksPerSecond: number): Tick[] {
  const stream = new TickStream({ ticksPerSecond, seed, timeAcceleration: 60, symbols: CATALOGUE_SYMBOLS });
  const startUs = sampleTick(seed).timestampUs as number;
  const newest = new Map<string, Tick>();
  for (let i = 0; i < 12_000 || newest.size < CATALOGUE_SYMBOLS.length; i++) {
    const tick = stream.nextTick();
    newest.set(tick.symbol!, { ...tick, timestampUs: startUs + Math.round((i * 1e6) / ticksPerSecond) });
  }
  return CATALOGUE_SYMBOLS.map((symbol) => newest.get(symbol)!);
}

/** Minor units as the decimal string Coinbase sends ("95012.34"). */
function decimal(units: number, scale: number): string {
  if (scale === 0) return String(units);
  const digits = String(Math.abs(units)).padStart(scale + 1, '0');
  return `${units < 0 ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** Microseconds since the epoch as Coinbase's `time`: ISO 8601 with six decimals. */
function isoMicros(us: number): string {
  const iso = new Date(Math.floor(us / 1000)).toISOString();
  return `${iso.slice(0, 23)}${String(us % 1000).padStart(3, '0')}Z`;
}

/**
 * A Coinbase Exchange `ticker` message with the tick's values, strings where Coinbase sends
 * strings (decimals at the instrument's scales; sequence and trade_id are JSON numbers).
 * The tick has no 24 h / 30 d statistics, side, trade id or last size: those take the last
 * price, the bid and ask sizes scaled to a day's and a month's volume, a 9-digit trade id
 * and `buy`, values as long as Coinbase's for BTC-USD.
 */
export function coinbaseTicker(tick: Tick): string {
  const { priceScale, sizeScale } = BENCH_INSTRUMENT;
  const price = (n: unknown) => decimal(Number(n), priceScale);
  const size = (n: unknown) => decimal(Number(n), sizeScale);
  const last = price(tick.lastPrice);
  return JSON.stringify({
    type: 'ticker',
    sequence: Number(tick.seq),
    product_id: tick.symbol,
    price: last,
    open_24h: last,
    volume_24h: size(Number(tick.bidSize) * 1e7),
    low_24h: last,
    high_24h: last,
    volume_30d: size(Number(tick.bidSize) * 1e9),
    best_bid: price(tick.bidPrice),
    best_bid_size: size(tick.bidSize),
    best_ask: price(tick.askPrice),
    best_ask_size: size(tick.askSize),
    side: 'buy',
    time: isoMicros(Number(tick.timestampUs)),
    trade_id: 734_680_334 + Number(tick.seq),
    last_size: size(tick.askSize),
  });
}

function size(message: string, payloads: number[], ticks = 1): WireSize {
  const headerBytes = payloads.reduce((sum, p) => sum + wsHeaderBytes(p), 0);
  const total = headerBytes + payloads.reduce((sum, p) => sum + p, 0);
  return { message, frames: payloads.length / ticks, payloadBytes: payloads, headerBytes, ticks, bytesPerTick: total / ticks };
}

/** A BTC-USD tick well into the stream: seq and timestamps as long as in a run. */
function sampleTick(seed: number): Tick {
  const stream = new TickStream({ ticksPerSecond: 400, seed, timeAcceleration: 60 });
  for (let i = 0; i < 1000; i++) stream.nextTick();
  return stream.nextTick();
}

/** The gateway's encoder with the app's deflate level and memory (DEFLATE_LEVEL 6, DEFLATE_MEM_LEVEL 8). */
const frameEncoder = (thresholdBytes: number) => new FrameEncoder({ thresholdBytes, level: 6, memLevel: 8 }, { deflateInputBytes: 0, deflateOutputBytes: 0 });

export function measureWireBytes(seed: number): WireBytes {
  const tick = sampleTick(seed);
  const peerPayload = Buffer.from(encodeTickMessage(tick));

  // Deflate off, as in the bench's `bidtape off`.
  const encoder = frameEncoder(Infinity);
  const tickPayload = payloadOf(encoder.tick(tick).frame(frameKind(Encoding.Proto, 0)));
  const batch = oneTickPerSymbol(seed, tick).map((t) => encoder.tick(t));
  const batchPayload = payloadOf(encoder.tickBatch(batch).frame(frameKind(Encoding.Proto, 0)));

  // Socket.IO: the packet's text (behind Engine.IO's message type, 4) and its attachment.
  const [header, ...attachments] = new Encoder().encode({ type: PacketType.EVENT, nsp: '/', data: ['tick', peerPayload] });
  const headerText = `4${String(header)}`;
  if (!headerText.startsWith(TICK_HEADER_PREFIX) || attachments.length !== 1) {
    throw new Error(`socket.io-parser encodes a tick as ${headerText} + ${attachments.length} attachments; the harness expects ${TICK_HEADER_PREFIX}… + 1`);
  }
  const coinbaseJson = coinbaseTicker(tick);

  return {
    sizes: [
      size('bidtape ServerMessage{tick} (= bare-ws)', [tickPayload.length]),
      size(`bidtape TickBatch of ${batch.length} ticks (one per catalogue symbol)`, [batchPayload.length], batch.length),
      size("Socket.IO io.emit('tick', bytes): text header + binary attachment", [Buffer.byteLength(headerText), (attachments[0] as Buffer).length]),
      size('Coinbase Exchange "ticker" JSON, same values', [Buffer.byteLength(coinbaseJson)]),
    ],
    coinbaseJson,
    samePayloadAsPeers: tickPayload.equals(peerPayload),
  };
}

export interface DeflatedSize {
  message: string;
  /** The whole frame, header included, deflate off. */
  rawFrameBytes: number;
  /** The same message as the gateway sends it on a connection with this window (raw if deflating did not shrink it). */
  deflatedFrameBytes: number;
  windowBits: number;
}

/**
 * What a connection subscribed to the 12 catalogue symbols gets first, the subscribe reply's
 * Snapshot (each symbol's instrument, latest tick and epoch, as the subscription service
 * builds it), and per flush, a TickBatch of one tick per symbol: raw and deflated as the
 * gateway's FrameEncoder frames them (threshold 0, no context takeover).
 */
export function measureDeflatedSizes(seed: number, windowBits: number, ticksPerSecond: number): DeflatedSize[] {
  const ticks = flushOfTicks(seed, ticksPerSecond);
  const epoch = randomUUID();
  const snapshot = {
    requestId: 1,
    symbols: BENCH_INSTRUMENTS.map((instrument, i) => ({ instrument: instrumentMessage(instrument), latest: ticks[i], epoch })),
  };
  const encoder = frameEncoder(0);
  const sizes = (message: string, outbound: ReturnType<FrameEncoder['message']>): DeflatedSize => ({
    message,
    rawFrameBytes: outbound.frame(frameKind(Encoding.Proto, 0)).length,
    deflatedFrameBytes: outbound.frame(frameKind(Encoding.Proto, windowBits)).length,
    windowBits,
  });
  return [
    sizes(`subscribe Snapshot of ${snapshot.symbols.length} symbols`, encoder.message({ snapshot })),
    sizes(`TickBatch of ${ticks.length} ticks (one per symbol)`, encoder.message({ tickBatch: { ticks } })),
  ];
}

export interface JsonBytes {
  /** bidtape's tick frame in each subprotocol, header included. */
  protoFrameBytes: number;
  jsonFrameBytes: number;
  /** The JSON text bidtape sends for the tick. */
  json: string;
  /** The bare JSON loop's text (tick-stream.ts, tickJsonText) is byte for byte bidtape's. */
  bareSameAsBidtape: boolean;
}

export function measureJsonBytes(seed: number): JsonBytes {
  const tick = sampleTick(seed);
  const outbound = frameEncoder(Infinity).tick(tick);
  const jsonFrame = outbound.frame(frameKind(Encoding.Json, 0));
  const json = payloadOf(jsonFrame).toString();
  return {
    protoFrameBytes: outbound.frame(frameKind(Encoding.Proto, 0)).length,
    jsonFrameBytes: jsonFrame.length,
    json,
    bareSameAsBidtape: json === tickJsonText(tick),
  };
}
