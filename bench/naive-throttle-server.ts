/**
 * Baseline for the capacity bench's throttled and mix phases: throttling as a bare `ws`
 * service usually writes it, one timer per subscription and one frame per update. The ticks
 * are the other peers' (tick-stream.ts: the app's seeded PriceModel, here over BARE_SYMBOLS,
 * same pacing, each tick encoded once as a `ServerMessage { tick }` stamped at publish); the
 * newest bytes of each symbol are kept. A subscribe request for symbols S at max_rate R
 * starts, for each symbol of S, a `setInterval` of 1000 / R ms on that connection which
 * sends the symbol's newest tick with `ws.send` if it changed since that timer last sent.
 * At max_rate 0 (every update) the connection gets each tick of S as it is published, like
 * the bare loop. Conflated updates keep the tick's own `first_seq` (no range), which costs
 * nothing.
 *
 * Env: the tick-stream's and peer-server's BARE_* variables. Prints `listening <port>` when
 * ready; exits when its stdin closes.
 */
import type WebSocket from 'ws';
import { peerServer, readSubscribe, subscribeAck } from './peer-server';
import { exitWhenStdinCloses, tickStreamFromEnv } from './tick-stream';

const env = process.env;
const wss = peerServer({ ...env, BARE_DEFLATE: 'false' });
const ticks = tickStreamFromEnv(env);

/** Newest tick of each symbol and a version that moves with every tick of it. */
const latest = new Map<string, { bytes: Uint8Array; version: number }>();
/** Connections subscribed to a symbol at every update. */
const everyUpdate = new Map<string, Set<WebSocket>>();

function publish(bytes: Uint8Array, symbol: string): void {
  latest.set(symbol, { bytes, version: (latest.get(symbol)?.version ?? 0) + 1 });
  for (const ws of everyUpdate.get(symbol) ?? []) ws.send(bytes);
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
  const symbols: string[] = [];
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    const request = readSubscribe(data, isBinary);
    ws.send(subscribeAck(request, isBinary));
    for (const symbol of request.symbols) {
      symbols.push(symbol);
      if (request.maxRate > 0) timers.push(throttle(ws, symbol, request.maxRate));
      else everyUpdate.set(symbol, (everyUpdate.get(symbol) ?? new Set()).add(ws));
    }
    ticks.start(publish);
  });
  ws.on('close', () => {
    timers.forEach(clearInterval);
    for (const symbol of symbols) everyUpdate.get(symbol)?.delete(ws);
  });
});

exitWhenStdinCloses();
