/**
 * What the bench's bare `ws` peers (bare-ws-server.ts, bare-batch-server.ts,
 * naive-throttle-server.ts) share: the WebSocketServer on loopback at /v1/stream, with `ws`'s
 * own permessage-deflate when asked (it compresses each send for each client), and reading a
 * client's subscribe request in either of bidtape's encodings.
 *
 * Env: BARE_PORT (0: any), BARE_DEFLATE (true/false), BARE_WINDOW_BITS. Prints
 * `listening <port>` when ready.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { bidtape } from '../src/generated/bidtape';

const pb = bidtape.v1;

export function peerServer(env: NodeJS.ProcessEnv): WebSocketServer {
  const windowBits = Number(env.BARE_WINDOW_BITS ?? 10);
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: Number(env.BARE_PORT ?? 0),
    path: '/v1/stream',
    perMessageDeflate:
      env.BARE_DEFLATE === 'true'
        ? { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: windowBits, threshold: 0 }
        : false,
  });
  wss.on('listening', () => console.log(`listening ${(wss.address() as AddressInfo).port}`));
  return wss;
}

export interface SubscribeRequest {
  id: number;
  symbols: string[];
  maxRate: number;
}

/** A subscribe request as a binary ClientMessage or, from a `bidtape.v1.json` client, as JSON text. */
export function readSubscribe(data: Buffer, isBinary: boolean): SubscribeRequest {
  const request = isBinary
    ? pb.ClientMessage.decode(data)
    : (JSON.parse(data.toString()) as { id?: number; subscribe?: { symbols?: string[]; maxRate?: number } });
  return { id: request.id ?? 0, symbols: request.subscribe?.symbols ?? [], maxRate: request.subscribe?.maxRate ?? 0 };
}

/** The minimal reply to a subscribe, in the request's encoding, so the client knows it is in. */
export function subscribeAck(request: SubscribeRequest, isBinary: boolean): Uint8Array | string {
  const subscribeAck = { requestId: request.id, symbols: request.symbols, maxRate: request.maxRate };
  return isBinary ? pb.ServerMessage.encode({ subscribeAck }).finish() : JSON.stringify({ subscribeAck });
}
