/**
 * Socket.IO peer of the capacity bench: the same ticks as the bare `ws` baseline
 * (tick-stream.ts: seeded PriceModel, BTC-USD only, same pacing, `ServerMessage { tick }`
 * bytes stamped at publish), broadcast once per tick with `io.emit('tick', bytes)`.
 * Socket.IO encodes a broadcast once (socket.io-adapter's `broadcast`) and writes the
 * encoded packets to every socket. A packet with a Buffer in it is a BINARY_EVENT: a text
 * frame `451-["tick",{"_placeholder":true,"num":0}]` and then one binary frame holding the
 * bytes (socket.io-parser's `encodeAsBinary`); for such packets the adapter does not
 * pre-build the WebSocket frame as it does for text-only ones, so `ws` frames both per socket.
 *
 * Configured as Socket.IO's docs advise for this load:
 *  - https://socket.io/docs/v4/performance-tuning/: WebSocket only (`transports`), no
 *    permessage-deflate. Its other tips are not taken: the `ws` native add-ons
 *    (bufferutil, utf-8-validate) are not installed here, for any ws-based peer alike;
 *    another engine (eiows) or a msgpack parser would not be Socket.IO's defaults, and the
 *    default parser's frames are what the harness counts.
 *  - https://socket.io/docs/v4/memory-usage/: drop the reference to each session's first
 *    HTTP request.
 * Like the app in the bench (HEARTBEAT_INTERVAL_MS=60000), no ping inside a window.
 *
 * Clients connect to /socket.io/?EIO=4&transport=websocket, join the default namespace and
 * emit `subscribe` with an ack; ticks start at the first subscribe and go to every client.
 * Env and stdout as bare-ws-server.ts: BARE_PORT (0: any), BARE_TICKS_PER_SECOND (0: no
 * ticks), BARE_SEED, BARE_TIME_ACCELERATION; prints `listening <port>`; exits when its stdin
 * closes.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { exitWhenStdinCloses, tickStreamFromEnv } from './tick-stream';

const env = process.env;
const ticks = tickStreamFromEnv(env);

const httpServer = createServer();
const io = new Server(httpServer, {
  transports: ['websocket'],
  perMessageDeflate: false,
  serveClient: false,
  pingInterval: 60_000,
});

io.engine.on('connection', (rawSocket: { request: unknown }) => {
  rawSocket.request = null;
});

function publish(bytes: Uint8Array): void {
  io.emit('tick', bytes);
}

io.on('connection', (socket) => {
  socket.on('subscribe', (ack?: (reply: { symbols: string[] }) => void) => {
    ack?.({ symbols: ['BTC-USD'] });
    ticks.start(publish);
  });
});

httpServer.listen(Number(env.BARE_PORT ?? 0), '127.0.0.1', () => {
  console.log(`listening ${(httpServer.address() as AddressInfo).port}`);
});

exitWhenStdinCloses();
