/**
 * Baseline for the fan-out bench: the idiomatic bare `ws` broadcast. It runs the same
 * seeded PriceModel as the app (BTC-USD only, same pacing), encodes each tick once as a
 * `ServerMessage { tick }` stamped at publish, and loops `client.send(buf)` over every
 * client. With BARE_DEFLATE=true, `ws` compresses each send for each client.
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
import { PriceModel } from '../src/simulator/price-model';
import { DEFAULT_PRICE_PROFILES } from '../src/simulator/price-profiles';

const pb = bidtape.v1;
const env = process.env;
const ticksPerSecond = Number(env.BARE_TICKS_PER_SECOND ?? 200);
const windowBits = Number(env.BARE_WINDOW_BITS ?? 10);

// Same pacing as src/simulator/simulator.service.ts: wake every 5 ms, publish the ticks
// due since start, skip backlog beyond 0.25 s after a stall.
const PACE_MS = 5;
const MAX_BACKLOG_SECONDS = 0.25;

const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: Number(env.BARE_PORT ?? 0),
  path: '/v1/stream',
  perMessageDeflate:
    env.BARE_DEFLATE === 'true'
      ? { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: windowBits, threshold: 0 }
      : false,
});

// The minimal reply to a subscribe, so the client knows it is in; ticks go to everyone.
wss.on('connection', (ws) => {
  ws.on('message', (data: Buffer) => {
    const request = pb.ClientMessage.decode(data);
    ws.send(pb.ServerMessage.encode({ subscribeAck: { requestId: request.id, symbols: ['BTC-USD'], maxRate: 0 } }).finish());
    startTicking();
  });
});

const model = new PriceModel({
  seed: Number(env.BARE_SEED ?? 42),
  ticksPerSecond: Math.max(1, ticksPerSecond),
  timeAcceleration: Number(env.BARE_TIME_ACCELERATION ?? 60),
  instruments: [
    { symbol: 'BTC-USD', priceScale: 2, tickSize: 1, sizeScale: 8, lotSize: 1000, profile: DEFAULT_PRICE_PROFILES['BTC-USD'] },
  ],
});
let seq = 0;

function publish(): void {
  const quote = model.next();
  seq++;
  const timestampUs = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  const buf = pb.ServerMessage.encode({ tick: { ...quote, seq, firstSeq: seq, timestampUs } }).finish();
  for (const client of wss.clients) client.send(buf);
}

let ticking = false;

function startTicking(): void {
  if (ticking || ticksPerSecond <= 0) return;
  ticking = true;
  const startedAt = performance.now();
  let published = 0;
  const backlogLimit = Math.max(1, Math.ceil(ticksPerSecond * MAX_BACKLOG_SECONDS));
  setInterval(() => {
    const due = Math.floor(((performance.now() - startedAt) / 1000) * ticksPerSecond);
    if (due - published > backlogLimit) published = due - backlogLimit;
    for (; published < due; published++) publish();
  }, PACE_MS);
}

wss.on('listening', () => console.log(`listening ${(wss.address() as AddressInfo).port}`));

process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
