/**
 * Baseline for the capacity bench's throttled phase: throttling as a bare `ws` service
 * usually writes it, one timer per subscription and one frame per update. The ticks are the
 * other peers' (tick-stream.ts: the app's seeded PriceModel, here over BARE_SYMBOLS, same
 * pacing, each tick encoded once as a `ServerMessage { tick }` stamped at publish); the
 * newest bytes of each symbol are kept. A subscribe request for symbols S at max_rate R
 * starts, for each symbol of S, a `setInterval` of 1000 / R ms on that connection which
 * sends the symbol's newest tick with `ws.send` if it changed since that timer last sent.
 * Conflated updates keep the tick's own `first_seq` (no range), which costs nothing.
 *
 * Env: BARE_PORT (0: any) and the tick-stream's BARE_* variables. Prints `listening <port>`
 * when ready; exits when its stdin closes.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type WebSocket from 'ws';
import { bidtape } from '../src/generated/bidtape';
import { exitWhenStdinCloses, tickStreamFromEnv } from './tick-stream';

const pb = bidtape.v1;
const env = process.env;

const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(env.BARE_PORT ?? 0), path: '/v1/stream', perMessageDeflate: false });
const ticks = tickStreamFromEnv(env);

/** Newest tick of each symbol and a version that moves with every tick of it. */
const latest = new Map<string, { bytes: Uint8Array; version: number }>();

function publish(bytes: Uint8Array, symbol: string): void {
  latest.set(symbol, { bytes, version: (latest.get(symbol)?.version ?? 0) + 1 });
}

/** One subscription's timer: the symbol's newest tick, if it changed since the last send. */
function throttle(ws: WebSocket, symbol: string, rate: number): NodeJS.Timeout {
  let sentVersion = 0;
  return setInterval(() => {
    const newest = latest.get(symbol);
    if (!newest || newest.version === sentVersion) return;
    sentVersion = newest.version;
    ws.send(newest.bytes);
  }, 1000 / rate);
}

wss.on('connection', (ws) => {
  const timers: NodeJS.Timeout[] = [];
  ws.on('message', (data: Buffer) => {
    const request = pb.ClientMessage.decode(data);
    const symbols = request.subscribe?.symbols ?? [];
    const rate = request.subscribe?.maxRate ?? 0;
    if (rate < 1) {
      ws.close(1008, 'the naive throttle server serves max_rate >= 1 only');
      return;
    }
    ws.send(pb.ServerMessage.encode({ subscribeAck: { requestId: request.id, symbols, maxRate: rate } }).finish());
    for (const symbol of symbols) timers.push(throttle(ws, symbol, rate));
    ticks.start(publish);
  });
  ws.on('close', () => timers.forEach(clearInterval));
});

wss.on('listening', () => console.log(`listening ${(wss.address() as AddressInfo).port}`));

exitWhenStdinCloses();
