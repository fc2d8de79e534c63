/** WebSocket opcodes used for data frames (RFC 6455 §5.2). */
export const OPCODE_TEXT = 0x1;
export const OPCODE_BINARY = 0x2;

/**
 * One complete, unmasked server-to-client WebSocket frame. Server frames carry no mask,
 * so the same bytes are valid for every client: built once, written to many sockets.
 * `compressed` sets RSV1, marking a permessage-deflate message (RFC 7692 §6).
 */
export function buildServerFrame(payload: Uint8Array, opcode: number, compressed: boolean): Buffer {
  const length = payload.length;
  const headerLength = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x80 | (compressed ? 0x40 : 0) | opcode;
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.set(payload, headerLength);
  return frame;
}
