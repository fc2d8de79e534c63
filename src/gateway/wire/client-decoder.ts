import { checkClientMessageWire, checkDecodedClientMessage, checkJsonClientMessage } from './field-check';
import { ErrorCode, pb } from './messages';
import type { ClientMessage } from './messages';
import { Encoding } from './subprotocol';

export type DecodeResult =
  | { ok: true; message: ClientMessage }
  | { ok: false; code: ErrorCode; reason: string; requestId: number };

/**
 * Turns one inbound WebSocket frame into a ClientMessage, or says exactly why not.
 * Never throws: every malformed input maps to a documented error code.
 */
export function decodeClientMessage(data: Buffer, isBinary: boolean, encoding: Encoding): DecodeResult {
  if (encoding === Encoding.Proto) {
    if (!isBinary) return fail(ErrorCode.ERROR_CODE_WRONG_FRAME_TYPE, 'bidtape.v1.proto expects binary frames');
    let message: ClientMessage;
    try {
      message = pb.ClientMessage.decode(data);
    } catch (error) {
      return fail(ErrorCode.ERROR_CODE_MALFORMED_MESSAGE, `not a ClientMessage: ${(error as Error).message}`, leadingId(data));
    }
    // A wrapped id must not be echoed as if it were the client's: take it from the wire.
    const wireProblem = checkClientMessageWire(data);
    if (wireProblem) return fail(ErrorCode.ERROR_CODE_MALFORMED_MESSAGE, `not a ClientMessage: ${wireProblem}`, leadingId(data));
    const problem = checkDecodedClientMessage(message);
    if (problem) return fail(ErrorCode.ERROR_CODE_MALFORMED_MESSAGE, `not a ClientMessage: ${problem}`, message.id);
    return withKind(message);
  }
  if (isBinary) return fail(ErrorCode.ERROR_CODE_WRONG_FRAME_TYPE, 'bidtape.v1.json expects text frames');
  let object: unknown;
  try {
    object = JSON.parse(data.toString('utf8'));
  } catch {
    return fail(ErrorCode.ERROR_CODE_MALFORMED_MESSAGE, 'not valid JSON');
  }
  return decodeJsonClientMessage(object);
}

/**
 * A parsed JSON value as a ClientMessage in the JSON mapping (integers as numbers or decimal
 * strings, enums by name or number, nothing wrapped or rounded), or exactly why not.
 */
export function decodeJsonClientMessage(object: unknown): DecodeResult {
  if (typeof object !== 'object' || object === null || Array.isArray(object)) {
    return fail(ErrorCode.ERROR_CODE_MALFORMED_MESSAGE, 'a ClientMessage must be a JSON object');
  }
  const requestId = readableId((object as { id?: unknown }).id);
  // Ranges first: it also turns 64-bit decimal strings (the JSON mapping's form) into numbers.
  const problem = checkJsonClientMessage(object as Record<string, unknown>);
  if (problem) return fail(ErrorCode.ERROR_CODE_MALFORMED_MESSAGE, `not a ClientMessage: ${problem}`, requestId);
  const invalid = pb.ClientMessage.verify(object);
  if (invalid) return fail(ErrorCode.ERROR_CODE_MALFORMED_MESSAGE, `not a ClientMessage: ${invalid}`, requestId);
  return withKind(pb.ClientMessage.fromObject(object));
}

/** The request id of a message that could not be processed, when it can be read (else 0). */
function readableId(id: unknown): number {
  const n = typeof id === 'string' && /^\d+$/.test(id) ? Number(id) : id;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff ? n : 0;
}

/** A binary ClientMessage starts with its id (field 1, varint) when it has one. */
function leadingId(data: Buffer): number {
  if (data[0] !== 0x08) return 0;
  let id = 0;
  for (let i = 1, shift = 0; i < data.length && i <= 5; i++, shift += 7) {
    id += (data[i] & 0x7f) * 2 ** shift;
    if (data[i] < 0x80) return id <= 0xffffffff ? id : 0;
  }
  return 0;
}

function withKind(message: ClientMessage): DecodeResult {
  if (!message.kind) {
    return fail(ErrorCode.ERROR_CODE_UNKNOWN_MESSAGE, 'no known message kind is set', message.id);
  }
  return { ok: true, message };
}

function fail(code: ErrorCode, reason: string, requestId = 0): DecodeResult {
  return { ok: false, code, reason, requestId };
}
