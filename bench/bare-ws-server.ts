/**
 * Baseline for the fan-out bench: the idiomatic bare `ws` broadcast. It runs the same
 * seeded PriceModel as the app (BTC-USD only, same pacing; see tick-stream.ts), encodes each
 * tick once as a `ServerMessage { tick }` stamped at publish, and loops `client.send(buf)`
 * over every client. With BARE_DEFLATE=true, `ws` compresses each send for each client.
 * With BARE_ENCODING=json it is the bare loop of a JSON service instead: each tick
 * JSON.stringify'd once into the text bidtape.v1.json sends (tickJsonText), and that string
 * sent to every client (`ws` turns it into bytes for each send).
 * Ticks start with the first subscribe request (the bench subscribes every client at
 * once after all have connected), so handshakes never compete with a running fan-out;
 * the app gets the same, as it sends nothing to connections without a subscription.
 *
 * Env: the tick-stream's and peer-server's BARE_* variables, BARE_ENCODING (proto or json).
 * Prints `listening <port>` when ready; exits when its stdin closes.
 */
import type { bidtape } from '../src/generated/bidtape';
import { peerServer, readSubscribe, subscribeAck } from './peer-server';
import { exitWhenStdinCloses, tickJsonText, tickStreamFromEnv } from './tick-stream';

const env = process.env;
const json = env.BARE_ENCODING === 'json';
const wss = peerServer(env);
const ticks = tickStreamFromEnv(env);

function publish(bytes: Uint8Array, _symbol: string, tick: bidtape.v1.ITick): void {
  const message = json ? tickJsonText(tick) : bytes;
  for (const client of wss.clients) client.send(message);
}

// Ticks go to everyone, whatever was asked for.
wss.on('connection', (ws) => {
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    ws.send(subscribeAck(readSubscribe(data, isBinary), isBinary));
    ticks.start(publish);
  });
});

exitWhenStdinCloses();
