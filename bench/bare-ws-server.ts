/**
 * Baseline for the fan-out bench: the idiomatic bare `ws` broadcast. It runs the same
 * seeded PriceModel as the app (BTC-USD only, same pacing; see tick-stream.ts), encodes each
 * tick once as a `ServerMessage { tick }` stamped at publish, and loops `client.send(buf)`
 * over every client. With BARE_DEFLATE=true, `ws` compresses each send for each client.
 * Ticks start with the first subscribe request (the bench subscribes every client at
 * once after all have connected), so handshakes never compete with a running fan-out;
 * the app gets the same, as it sends nothing to connections without a subscription.
 *
 * Env: BARE_PORT (0: any), BARE_TICKS_PER_SECOND (0: no ticks), BARE_SEED,
 * BARE_TIME_ACCELERATION, BARE_DEFLATE (true/false), BARE_WINDOW_BITS.
 * Prints `listening <port>` when ready; exits when its stdin closes.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { bidtape } from '../src/generated/bidtape';
import { exitWhenStdinCloses, tickStreamFromEnv } from './tick-stream';

const pb = bidtape.v1;
const env = process.env;
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
const ticks = tickStreamFromEnv(env);

function publish(buf: Uint8Array): void {
  for (const client of wss.clients) client.send(buf);
}

// The minimal reply to a subscribe, so the client knows it is in; ticks go to everyone.
wss.on('connection', (ws) => {
  ws.on('message', (data: Buffer) => {
    const request = pb.ClientMessage.decode(data);
    ws.send(pb.ServerMessage.encode({ subscribeAck: { requestId: request.id, symbols: ['BTC-USD'], maxRate: 0 } }).finish());
    ticks.start(publish);
  });
});

wss.on('listening', () => console.log(`listening ${(wss.address() as AddressInfo).port}`));

exitWhenStdinCloses();
