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
      return fail(ErrorCode.ERROR_CODE_MALFORMED_MESSAGE, `not a ClientMessage: ${(error as Error).message}`);
    }
    return withKind(message);
  }
  if (isBinary) return fail(ErrorCode.ERROR_CODE_WRONG_FRAME_TYPE, 'bidtape.v1.json expects text frames');
  let object: unknown;
  try {
    object = JSON.parse(data.toString('utf8'));
  } catch {
    return fail(ErrorCode.ERROR_CODE_MALFORMED_MESSAGE, 'not valid JSON');
  }
  if (typeof object !== 'object' || object === null || Array.isArray(object)) {
    return fail(ErrorCode.ERROR_CODE_MALFORMED_MESSAGE, 'a ClientMessage must be a JSON object');
  }
  const invalid = pb.ClientMessage.verify(object);
  if (invalid) return fail(ErrorCode.ERROR_CODE_MALFORMED_MESSAGE, `not a ClientMessage: ${invalid}`);
  return withKind(pb.ClientMessage.fromObject(object));
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
