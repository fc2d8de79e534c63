import * as protobuf from 'protobufjs/minimal';

// Decode 64-bit integers as JS numbers instead of Long objects. Every 64-bit value on the
// wire (prices, sizes, sequence numbers, microsecond timestamps) stays below 2^53, and the
// generated types (pbjs --force-number) already promise numbers.
protobuf.util.Long = undefined as unknown as typeof protobuf.util.Long;
protobuf.configure();
