/**
 * The wire types: the protobufjs static code generated from proto/bidtape/v1 (`npm run proto`),
 * with 64-bit integers decoded as JS numbers, plus the two encodings of the stream.
 */
import * as protobuf from 'protobufjs/minimal';
import { bidtape } from './generated/bidtape';

// Every 64-bit value on the wire (prices, sizes, sequence numbers, microsecond timestamps)
// stays below 2^53, so numbers are exact; the generated types (pbjs --force-number) promise
// numbers too. This configures the protobufjs/minimal instance the generated code uses, the
// same way the server does (src/gateway/wire/protobuf-numbers.ts).
protobuf.util.Long = undefined as unknown as typeof protobuf.util.Long;
protobuf.configure();

export const pb = bidtape.v1;

export type ClientMessageInit = bidtape.v1.IClientMessage;
export type ServerMessage = bidtape.v1.ServerMessage;
export type Instrument = bidtape.v1.Instrument;
export type Tick = bidtape.v1.Tick;
export type Snapshot = bidtape.v1.Snapshot;
export type SubscribeAck = bidtape.v1.SubscribeAck;
export type SubscribeReject = bidtape.v1.SubscribeReject;
export type AuctionSnapshot = bidtape.v1.AuctionSnapshot;
export type AuctionState = bidtape.v1.AuctionState;
export type BidUpdate = bidtape.v1.BidUpdate;
export type AuctionClosed = bidtape.v1.AuctionClosed;
export type Outbid = bidtape.v1.Outbid;
export type ServerError = bidtape.v1.Error;
export type SlowConsumerWarning = bidtape.v1.SlowConsumerWarning;
export type FeedStatus = bidtape.v1.FeedStatus;
export type Trade = bidtape.v1.Trade;
export type Candle = bidtape.v1.Candle;
export type CandleHistory = bidtape.v1.CandleHistory;
export type InstrumentRetired = bidtape.v1.InstrumentRetired;
export type PublishAck = bidtape.v1.PublishAck;
export type PublishRequestInit = bidtape.v1.IPublishRequest;

export const ErrorCode = pb.ErrorCode;
export type ErrorCode = bidtape.v1.ErrorCode;
export const BidRejectReason = pb.BidRejectReason;
export type BidRejectReason = bidtape.v1.BidRejectReason;
export const AuctionStatus = pb.AuctionStatus;
export type AuctionStatus = bidtape.v1.AuctionStatus;
export const BidKind = pb.BidKind;
export type BidKind = bidtape.v1.BidKind;
export const CandleInterval = pb.CandleInterval;
export type CandleInterval = bidtape.v1.CandleInterval;
export const Channel = pb.Channel;
export type Channel = bidtape.v1.Channel;
export const OutbidReason = pb.OutbidReason;
export type OutbidReason = bidtape.v1.OutbidReason;

/**
 * A nested message of a decoded ServerMessage as its class type (every field present, defaults
 * included). Decoding (binary and JSON) always builds class instances; the generated
 * declarations only type nested fields by their interfaces.
 */
export function decoded<T>(type: new (...args: never[]) => T, value: unknown): T {
  if (value instanceof type) return value;
  throw new TypeError(`expected a decoded ${type.name}`);
}

/** How messages travel in WebSocket frames: one of the two subprotocols of v1. */
export interface Codec {
  readonly subprotocol: 'bidtape.v1.proto' | 'bidtape.v1.json';
  encode(message: ClientMessageInit): Uint8Array | string;
  decode(data: unknown): ServerMessage;
}

function bytes(data: unknown): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError(`expected a binary frame, got ${typeof data}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `bidtape.v1.proto`: protobuf binary in binary frames (the default; smallest and fastest). */
export const protoCodec: Codec = {
  subprotocol: 'bidtape.v1.proto',
  encode: (message) => pb.ClientMessage.encode(message).finish(),
  decode: (data) => pb.ServerMessage.decode(bytes(data)),
};

/** `bidtape.v1.json`: the protobuf JSON mapping in text frames (readable, for debugging). */
export const jsonCodec: Codec = {
  subprotocol: 'bidtape.v1.json',
  // 64-bit integers as JSON numbers, which the JSON mapping allows (every value is below 2^53):
  // the server's JSON decoder rejects the string form as MALFORMED_MESSAGE.
  encode: (message) => JSON.stringify(pb.ClientMessage.toObject(pb.ClientMessage.fromObject(message), { enums: String })),
  decode: (data) => {
    const parsed: unknown = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(bytes(data)));
    if (!isRecord(parsed)) throw new TypeError('expected a JSON object');
    return pb.ServerMessage.fromObject(parsed);
  },
};
