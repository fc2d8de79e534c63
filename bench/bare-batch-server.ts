/**
 * Baseline for the capacity bench's deflate phase: throttled batches as a bare `ws` service
 * writes them. The ticks are the other peers' (tick-stream.ts, over BARE_SYMBOLS). Every
 * 1000 / R ms, R the max_rate of the first subscribe request, it builds one
 * `ServerMessage { tick_batch }` of the newest tick of each symbol that ticked since the last
 * flush, encodes it once and sends it with `for (const c of wss.clients) c.send(bytes)`; with
 * BARE_DEFLATE=true `ws` compresses that send for each client separately. Every client gets
 * every symbol (the bench subscribes all of them to all of it). Conflated ticks keep their own
 * `first_seq`, which costs nothing.
 *
 * Env: the tick-stream's and peer-server's BARE_* variables. Prints `listening <port>` when
 * ready; exits when its stdin closes.
 */
import { bidtape } from '../src/generated/bidtape';
import { peerServer, readSubscribe, subscribeAck } from './peer-server';
import { exitWhenStdinCloses, tickStreamFromEnv } from './tick-stream';

const pb = bidtape.v1;
const env = process.env;
const wss = peerServer(env);
const ticks = tickStreamFromEnv(env);

/** Newest tick of each symbol that ticked since the last flush. */
const pending = new Map<string, bidtape.v1.ITick>();
let flushing = false;

function flush(): void {
  if (pending.size === 0) return;
  const bytes = pb.ServerMessage.encode({ tickBatch: { ticks: [...pending.values()] } }).finish();
  pending.clear();
  for (const client of wss.clients) client.send(bytes);
}

function startFlushing(rate: number): void {
  if (flushing || rate < 1) return;
  flushing = true;
  setInterval(flush, 1000 / rate);
}

wss.on('connection', (ws) => {
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    const request = readSubscribe(data, isBinary);
    if (request.maxRate < 1) {
      ws.close(1008, 'the bare batch server serves max_rate >= 1 only');
      return;
    }
    ws.send(subscribeAck(request, isBinary));
    startFlushing(request.maxRate);
    ticks.start((_bytes, symbol, tick) => pending.set(symbol, tick));
  });
});

exitWhenStdinCloses();
