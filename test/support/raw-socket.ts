import { connect } from 'node:net';
import type { Socket } from 'node:net';

/** A hand-built HTTP request over raw TCP; resolves with everything the server sent until it closed. */
export function rawHttp(port: number, request: string | Buffer, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.on('error', () => undefined);
    socket.write(request);
  });
}

/** A WebSocket upgrade request written by hand (RFC 6455 section 4.1). */
export function upgradeRequest(target = '/v1/stream', headers: Record<string, string> = {}): string {
  const all: Record<string, string> = {
    Host: 'localhost',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Protocol': 'bidtape.v1.proto',
    ...headers,
  };
  return `GET ${target} HTTP/1.1\r\n${Object.entries(all).filter(([, v]) => v !== '').map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
}

export interface FrameSpec {
  fin?: boolean;
  rsv?: number; // the three RSV bits, 0-7
  opcode: number;
  payload?: Buffer;
  masked?: boolean;
  /** Claim this payload length in the header instead of the real one. */
  claimedLength?: number;
}

/** One RFC 6455 frame, exactly as specified (valid or not). */
export function frame(spec: FrameSpec): Buffer {
  const payload = spec.payload ?? Buffer.alloc(0);
  const length = spec.claimedLength ?? payload.length;
  const masked = spec.masked ?? true;
  const head = [((spec.fin ?? true) ? 0x80 : 0) | ((spec.rsv ?? 0) << 4) | (spec.opcode & 0x0f)];
  const maskBit = masked ? 0x80 : 0;
  let extended = Buffer.alloc(0);
  if (length < 126) head.push(maskBit | length);
  else if (length < 65536) {
    head.push(maskBit | 126);
    extended = Buffer.alloc(2);
    extended.writeUInt16BE(length);
  } else {
    head.push(maskBit | 127);
    extended = Buffer.alloc(8);
    extended.writeBigUInt64BE(BigInt(length));
  }
  if (!masked) return Buffer.concat([Buffer.from(head), extended, payload]);
  const key = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const body = Buffer.from(payload.map((b, i) => b ^ key[i % 4]));
  return Buffer.concat([Buffer.from(head), extended, key, body]);
}

/** How a raw stream connection ended: the server's close code (null: closed without a close frame) and what came before. */
export interface RawEnding {
  handshake: string;
  closeCode: number | null;
  /** Data frames the server sent before closing (opcodes 1 and 2). */
  dataFrames: number;
  /** Still open when the wait ended: the server accepted everything sent. */
  stillOpen: boolean;
}

/**
 * Opens a raw TCP connection, sends the upgrade request, then `afterHandshake` once the 101
 * arrived, and reads server frames until the server closes (or `waitMs` passes).
 */
export function rawStream(port: number, request: string, afterHandshake: Buffer, waitMs = 3000): Promise<RawEnding> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let buffer = Buffer.alloc(0);
    let handshake: string | null = null;
    const ending: RawEnding = { handshake: '', closeCode: null, dataFrames: 0, stillOpen: false };
    let done = false;
    const finish = (stillOpen: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      ending.handshake = handshake ?? buffer.toString('latin1');
      ending.stillOpen = stillOpen;
      socket.destroy();
      resolve(ending);
    };
    const timer = setTimeout(() => finish(true), waitMs);
    socket.on('error', () => undefined);
    socket.on('close', () => finish(false));
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (handshake === null) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        handshake = buffer.subarray(0, end + 4).toString('latin1');
        buffer = buffer.subarray(end + 4);
        if (!handshake.startsWith('HTTP/1.1 101')) return; // refused: wait for the close
        socket.write(afterHandshake);
      }
      // Server frames are unmasked (RFC 6455 5.1).
      for (;;) {
        if (buffer.length < 2) return;
        let length = buffer[1] & 0x7f;
        let offset = 2;
        if (length === 126) {
          if (buffer.length < 4) return;
          length = buffer.readUInt16BE(2);
          offset = 4;
        } else if (length === 127) {
          if (buffer.length < 10) return;
          length = Number(buffer.readBigUInt64BE(2));
          offset = 10;
        }
        if (buffer.length < offset + length) return;
        const opcode = buffer[0] & 0x0f;
        const payload = buffer.subarray(offset, offset + length);
        buffer = buffer.subarray(offset + length);
        if (opcode === 1 || opcode === 2) ending.dataFrames++;
        if (opcode === 8) ending.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : null;
      }
    });
    socket.write(request);
  });
}
