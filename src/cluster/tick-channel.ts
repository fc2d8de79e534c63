import { pb } from '../gateway/wire/messages';
import { tradeMessage } from '../gateway/market-messages';
import type { Quote } from '../market/quote';
import type { Trade } from '../market/trade';

/**
 * The feed's tick channel: one Redis message per publishing burst of the sequencer (each pass
 * of a source), carrying every tick of the burst as ready-to-send protobuf bytes.
 *
 *   u8 version (1) · varint length + origin node id · varint length + epoch · batch
 *
 * The batch is field 1 (repeated `Tick`, as in `bidtape.v1.TickBatch`) and field 2 (repeated
 * `Trade`), each element the exact encoding a gateway frames and sends: gateways never
 * re-encode a tick. An empty batch is the feed's heartbeat.
 */
const VERSION = 1;
const TAG_BATCH_TICK = (1 << 3) | 2;
const TAG_BATCH_TRADE = (2 << 3) | 2;

export interface TickChannelMessage {
  origin: string;
  epoch: string;
  /** Each with `wire`: its `Tick` encoding with first_seq = seq, as sent to unthrottled subscribers. */
  ticks: Quote[];
  trades: Trade[];
}

export function encodeTickMessage(origin: string, epoch: string, ticks: readonly Uint8Array[], trades: readonly Uint8Array[] = []): Buffer {
  const parts: Buffer[] = [Buffer.of(VERSION), lengthDelimited(Buffer.from(origin)), lengthDelimited(Buffer.from(epoch))];
  for (const tick of ticks) {
    parts.push(Buffer.of(TAG_BATCH_TICK));
    parts.push(lengthDelimited(tick));
  }
  for (const trade of trades) {
    parts.push(Buffer.of(TAG_BATCH_TRADE));
    parts.push(lengthDelimited(trade));
  }
  return Buffer.concat(parts);
}

/** Parses a tick-channel message; throws on anything malformed (a foreign publisher on the channel). */
export function decodeTickMessage(data: Buffer): TickChannelMessage {
  if (data[0] !== VERSION) throw new Error(`tick channel: unknown version ${data[0]}`);
  const reader = { data, offset: 1 };
  const origin = readDelimited(reader).toString();
  const epoch = readDelimited(reader).toString();
  const ticks: Quote[] = [];
  const trades: Trade[] = [];
  while (reader.offset < data.length) {
    const tag = data[reader.offset++];
    if (tag !== TAG_BATCH_TICK && tag !== TAG_BATCH_TRADE) throw new Error('tick channel: unexpected field');
    const bytes = readDelimited(reader);
    if (tag === TAG_BATCH_TICK) ticks.push(quoteOf(pb.Tick.decode(bytes), bytes));
    else trades.push(tradeOf(pb.Trade.decode(bytes)));
  }
  return { origin, epoch, ticks, trades };
}

export function encodeTrade(trade: Trade): Uint8Array {
  return pb.Trade.encode(tradeMessage(trade)).finish();
}

export function tradeOf(t: ReturnType<typeof pb.Trade.decode>): Trade {
  return {
    symbol: t.symbol, seq: Number(t.seq), tradeId: t.tradeId, price: Number(t.price), size: Number(t.size),
    side: t.aggressorSide === pb.Side.SIDE_SELL ? 'sell' : 'buy', timestampUs: Number(t.timestampUs),
  };
}

/** The quote a tick carries; `wire` is the tick's own encoding, when the fan-out may send it as it is. */
export function quoteOf(tick: ReturnType<typeof pb.Tick.decode>, wire?: Uint8Array): Quote {
  return {
    symbol: tick.symbol,
    seq: Number(tick.seq),
    bidPrice: Number(tick.bidPrice),
    askPrice: Number(tick.askPrice),
    bidSize: Number(tick.bidSize),
    askSize: Number(tick.askSize),
    lastPrice: Number(tick.lastPrice),
    timestampUs: Number(tick.timestampUs),
    wire,
  };
}

function lengthDelimited(bytes: Uint8Array): Buffer {
  const prefix: number[] = [];
  let n = bytes.length;
  while (n >= 0x80) {
    prefix.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  prefix.push(n);
  return Buffer.concat([Buffer.from(prefix), bytes]);
}

function readDelimited(reader: { data: Buffer; offset: number }): Buffer {
  let length = 0;
  let shift = 0;
  for (;;) {
    if (reader.offset >= reader.data.length || shift > 28) throw new Error('tick channel: truncated length');
    const byte = reader.data[reader.offset++];
    length |= (byte & 0x7f) << shift;
    if (byte < 0x80) break;
    shift += 7;
  }
  const end = reader.offset + length;
  if (end > reader.data.length) throw new Error('tick channel: truncated message');
  const out = reader.data.subarray(reader.offset, end);
  reader.offset = end;
  return out;
}
