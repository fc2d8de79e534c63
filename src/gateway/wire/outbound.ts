import { deflateMessage } from './deflate';
import type { DeflateSettings } from './deflate';
import { buildServerFrame, OPCODE_BINARY, OPCODE_TEXT } from './frame';
import { JSON_MAPPING, pb } from './messages';
import type { ServerMessageInit, TickInit } from './messages';
import { Encoding } from './subprotocol';

/** What a connection needs on the wire: encoding and negotiated deflate window (0: none). */
export function frameKind(encoding: Encoding, deflateWindowBits: number): number {
  return encoding * 16 + deflateWindowBits;
}

export interface CompressionCounters {
  deflateInputBytes: number;
  deflateOutputBytes: number;
}

// ServerMessage field 10 (tick) and 11 (tick_batch), wire type 2; TickBatch field 1.
const TAG_SERVER_TICK = (10 << 3) | 2;
const TAG_SERVER_TICK_BATCH = (11 << 3) | 2;
const TAG_BATCH_TICK = (1 << 3) | 2;

/**
 * One server message on its way to any number of connections. Every representation
 * (protobuf bytes, JSON text, each framed and optionally deflated variant) is built at
 * most once, when the first connection needing it asks, then shared by all of them.
 */
export class OutboundMessage {
  private protoBytes?: Uint8Array;
  private jsonBytes?: Buffer;
  private batchBytes?: Uint8Array;
  private readonly frames: (Buffer | undefined)[] = [];

  constructor(
    private readonly encoder: FrameEncoder,
    readonly message: ServerMessageInit,
    /** Encoded `Tick` alone, kept so ticks can be concatenated into a TickBatch. */
    readonly tickBytes?: Uint8Array,
    /** The encoded `ServerMessage`, when it was assembled from parts already encoded. */
    encoded?: Uint8Array,
  ) {
    this.protoBytes = encoded;
  }

  frame(kind: number): Buffer {
    return (this.frames[kind] ??= this.buildFrame(kind));
  }

  proto(): Uint8Array {
    if (!this.protoBytes) {
      this.protoBytes = this.tickBytes
        ? withLengthPrefix(TAG_SERVER_TICK, [this.tickBytes])
        : pb.ServerMessage.encode(this.message).finish();
    }
    return this.protoBytes;
  }

  /** This tick as one element of `TickBatch.ticks`. */
  batchElement(): Uint8Array {
    return (this.batchBytes ??= withLengthPrefix(TAG_BATCH_TICK, [this.tickBytes!]));
  }

  private json(): Buffer {
    return (this.jsonBytes ??= Buffer.from(
      JSON.stringify(pb.ServerMessage.toObject(pb.ServerMessage.fromObject(this.message), JSON_MAPPING)),
    ));
  }

  private buildFrame(kind: number): Buffer {
    const windowBits = kind % 16;
    const encoding: Encoding = kind >= 16 ? Encoding.Json : Encoding.Proto;
    const payload = encoding === Encoding.Json ? this.json() : this.proto();
    const opcode = encoding === Encoding.Json ? OPCODE_TEXT : OPCODE_BINARY;
    return this.encoder.frame(payload, opcode, windowBits);
  }
}

/** Builds outbound messages and frames with the configured compression. */
export class FrameEncoder {
  constructor(
    private readonly deflate: DeflateSettings,
    private readonly counters: CompressionCounters,
  ) {}

  message(message: ServerMessageInit): OutboundMessage {
    return new OutboundMessage(this, message);
  }

  tick(tick: TickInit): OutboundMessage {
    return new OutboundMessage(this, { tick }, pb.Tick.encode(tick).finish());
  }

  /** A tick whose `Tick` encoding (first_seq = seq) was already made (market-messages' tickBytes). */
  encodedTick(tick: TickInit, tickBytes: Uint8Array): OutboundMessage {
    return new OutboundMessage(this, { tick }, tickBytes);
  }

  /** A TickBatch of already encoded ticks, its bytes assembled from theirs. */
  tickBatch(ticks: readonly OutboundMessage[]): OutboundMessage {
    const encoded = withLengthPrefix(TAG_SERVER_TICK_BATCH, ticks.map((t) => t.batchElement()));
    return new OutboundMessage(this, { tickBatch: { ticks: ticks.map((t) => t.message.tick!) } }, undefined, encoded);
  }

  frame(payload: Uint8Array, opcode: number, windowBits: number): Buffer {
    // Window 8 is excluded: zlib silently deflates with 9, which a peer limited to 8 rejects.
    if (windowBits >= 9 && payload.length >= this.deflate.thresholdBytes) {
      const compressed = deflateMessage(payload, windowBits, this.deflate);
      this.counters.deflateInputBytes += payload.length;
      this.counters.deflateOutputBytes += Math.min(compressed.length, payload.length);
      if (compressed.length < payload.length) return buildServerFrame(compressed, opcode, true);
    }
    return buildServerFrame(payload, opcode, false);
  }
}

function withLengthPrefix(tag: number, parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = Buffer.allocUnsafe(1 + varintSize(length) + length);
  out[0] = tag;
  let offset = writeVarint(out, 1, length);
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function writeVarint(buf: Buffer, offset: number, n: number): number {
  while (n >= 0x80) {
    buf[offset++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[offset++] = n;
  return offset;
}
