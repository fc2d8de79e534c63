import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { handshakeStatus } from '../http/http-errors';
import { HandshakeRefusal } from './handshake-refusals';
import { declineUnacceptableDeflate } from './wire/subprotocol';

export const STREAM_PATH = '/v1/stream';

/**
 * Runs before the WebSocket server on every upgrade request, so each gets a well-formed,
 * documented HTTP answer instead of a bare TCP close: an unparsable target or Host header →
 * 400, any path but /v1/stream (any path at all on a feed-only process) → 404. Deflate offers the server cannot answer are declined
 * here (ws would refuse them with 400); see acceptableDeflateOffer.
 */
export function guardUpgrades(server: Server, deflateWindowBits: number, servesStream: boolean): void {
  server.prependListener('upgrade', (request: IncomingMessage, socket: Duplex) => {
    let url: URL;
    try {
      url = new URL(request.url ?? '', `http://${request.headers.host ?? ''}`);
    } catch {
      return refuse(socket, HandshakeRefusal.BadRequestTarget, 'Invalid request target or Host header');
    }
    if (url.pathname !== STREAM_PATH || !servesStream) return refuse(socket, HandshakeRefusal.UnknownPath, `No WebSocket endpoint at ${url.pathname}; connect to ${STREAM_PATH}`);
    declineUnacceptableDeflate(request.headers, deflateWindowBits);
  });
}

function refuse(socket: Duplex, refusal: HandshakeRefusal, body: string): void {
  if (!socket.writable) return;
  const status = handshakeStatus(refusal);
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  socket.destroy();
}
