import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Enum, Reader, Root, Type as MessageType } from 'protobufjs/light';
import type { Field, Type } from 'protobufjs/light';
import type { INamespace } from 'protobufjs/light';

/**
 * Range and type checks of an inbound ClientMessage against the `.proto`, by reflection. The
 * protobuf runtime would otherwise wrap or round silently (a uint32 of 2^32 becomes 0, an int64
 * above 2^53 loses digits): every value must be carried exactly or refused, naming the field.
 *
 * - 32-bit integers: integers within the type's range;
 * - 64-bit integers: integers within ±(2^53 − 1) (what the platform carries exactly; every real
 *   value — prices, seqs, microsecond times — is far below), as numbers or, in JSON, decimal strings;
 * - enums, in JSON: a value's name or its number (the proto3 JSON mapping); a name the enum does not
 *   have is refused, an unknown number is kept (proto3 enums are open: the service decides).
 */
const root = Root.fromJSON(JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'generated', 'bidtape.json'), 'utf8')) as INamespace);
const CLIENT_MESSAGE = root.lookupType('bidtape.v1.ClientMessage');

const RANGES: Record<string, [number, number]> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  sint32: [-(2 ** 31), 2 ** 31 - 1],
  sfixed32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  fixed32: [0, 2 ** 32 - 1],
  int64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  sint64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  sfixed64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER],
  fixed64: [0, Number.MAX_SAFE_INTEGER],
};
const INTEGER = /^-?\d+$/;

/**
 * JSON subprotocol: checks a parsed JSON object and rewrites, in place, decimal strings of integer
 * fields to numbers and enum names to their numbers. Returns the problem, or null.
 */
export function checkJsonClientMessage(object: Record<string, unknown>): string | null {
  return checkObject(CLIENT_MESSAGE, object, '', true);
}

/**
 * Binary subprotocol, before decoding: a 32-bit integer field whose varint holds more than 32
 * bits is refused (the runtime would keep the low 32 bits: a max_rate of 2^32 would read as 0).
 * Call only on bytes that decode; returns the problem, or null.
 */
export function checkClientMessageWire(data: Uint8Array): string | null {
  try {
    const reader = Reader.create(data);
    return checkWire(CLIENT_MESSAGE, reader, data.length, '');
  } catch {
    return null; // not decodable: the decoder reports it
  }
}

const VARINT32: Record<string, [number, number]> = { int32: RANGES.int32, uint32: RANGES.uint32 };

function checkWire(type: Type, reader: Reader, end: number, prefix: string): string | null {
  while (reader.pos < end) {
    const tag = reader.uint32();
    const wireType = tag & 7;
    const field = type.fieldsById[tag >>> 3] as Field | undefined;
    const range = field ? VARINT32[field.type] : undefined;
    if (field && range && wireType === 0) {
      // Read the whole varint as 64 bits (as a number: exact enough to see it overflow 32).
      const value = field.type === 'uint32' ? (reader.uint64() as unknown as number) : (reader.int64() as unknown as number);
      if (value < range[0] || value > range[1]) return `${prefix}${field.name}: the varint holds ${value}, out of range for ${field.type}`;
      continue;
    }
    if (field && wireType === 2) {
      field.resolve();
      if (field.resolvedType instanceof MessageType) {
        const length = reader.uint32();
        const problem = checkWire(field.resolvedType, reader, reader.pos + length, `${prefix}${field.name}.`);
        if (problem) return problem;
        continue;
      }
    }
    reader.skipType(wireType);
  }
  return null;
}

/** Binary subprotocol: checks a decoded ClientMessage (64-bit values beyond 2^53 arrive rounded). */
export function checkDecodedClientMessage(message: object): string | null {
  return checkObject(CLIENT_MESSAGE, message as Record<string, unknown>, '', false);
}

function checkObject(type: Type, object: Record<string, unknown>, prefix: string, json: boolean): string | null {
  for (const field of type.fieldsArray) {
    const value = object[field.name];
    if (value === undefined || value === null) continue;
    const name = `${prefix}${field.name}`;
    const values = field.repeated ? value : [value];
    if (field.repeated && !Array.isArray(value)) continue; // the runtime's own verify reports it
    for (const [index, item] of (values as unknown[]).entries()) {
      const where = field.repeated ? `${name}[${index}]` : name;
      const problem = checkValue(field, item, where, json);
      if (typeof problem === 'string') return problem;
      if (problem && json) {
        if (field.repeated) (value as unknown[])[index] = problem.value;
        else object[field.name] = problem.value;
      }
    }
  }
  return null;
}

function checkValue(field: Field, value: unknown, where: string, json: boolean): string | { value: unknown } | null {
  const range = RANGES[field.type];
  if (range) {
    let number = value;
    if (json && typeof value === 'string') {
      if (!INTEGER.test(value)) return `${where}: "${value}" is not an integer`;
      number = Number(value);
    }
    if (typeof number !== 'number' || !Number.isFinite(number) || !Number.isInteger(number)) return `${where}: ${String(value)} is not an integer`;
    if (number < range[0] || number > range[1] || (json && typeof value === 'string' && String(number) !== value.replace(/^(-?)0+(?=\d)/, '$1'))) {
      return `${where}: ${String(value)} is out of range for ${field.type}${range[1] === Number.MAX_SAFE_INTEGER ? ` (at most ${Number.MAX_SAFE_INTEGER})` : ''}`;
    }
    return { value: number };
  }
  field.resolve();
  if (json && field.resolvedType instanceof Enum && typeof value === 'string') {
    const number = field.resolvedType.values[value];
    return number === undefined ? `${where}: "${value}" is not a ${field.resolvedType.name} name` : { value: number };
  }
  if (field.resolvedType && 'fieldsArray' in field.resolvedType && typeof value === 'object' && value !== null) {
    return checkObject(field.resolvedType, value as Record<string, unknown>, `${where}.`, json);
  }
  return null;
}
