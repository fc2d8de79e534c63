/**
 * Ingest benchmark (`npm run bench:ingest`): prices published into bidtape by publishers,
 * against the same prices produced by the simulator path, on the same machine in the same run.
 *
 *   1. simulator path: the app's simulator at LATENCY_RATE ticks/s (latency) and at
 *      THROUGHPUT_RATE ticks/s (what one unthrottled subscriber is delivered);
 *   2. ingest: one publisher, then ten in parallel (own keys and symbols), sending
 *      PublishRequests of BATCH quotes with WINDOW requests in flight: accepted items/s and what a
 *      subscriber is delivered; then one publisher at LATENCY_RATE quotes/s, one per request:
 *      publish→receive latency, next to the simulator path's sequence→receive latency;
 *   3. candles: a day of 1 s candles (86,400 rows) in PostgreSQL, read back over REST in pages
 *      of 5,000 and as the default last 500.
 *
 * The bench client and the app share this machine's cores; figures are for comparison within a
 * run. INGEST_BENCH_SECONDS=2 npm run bench:ingest   # smoke
 */
import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import WebSocket from 'ws';
import '../src/gateway/wire/protobuf-numbers';
import { bidtape } from '../src/generated/bidtape';
import { startAppOnDatabase, startDatabase } from './bids/app';
import { LatencyRecorder } from './bids/stats';
import { cleanupAll, installSignalHandlers, trackTempDir } from './children';
import { cpuTimes, sleep } from './proc';
import { snapshotApp } from './servers';

const pb = bidtape.v1;
const env = process.env;
const SECONDS = Number(env.INGEST_BENCH_SECONDS ?? 5);
const LATENCY_RATE = Number(env.INGEST_BENCH_LATENCY_RATE ?? 1000);
const THROUGHPUT_RATE = Number(env.INGEST_BENCH_THROUGHPUT_RATE ?? 50_000);
const BATCH = Number(env.INGEST_BENCH_BATCH ?? 100);
const WINDOW = Number(env.INGEST_BENCH_WINDOW ?? 8);
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';

type App = Awaited<ReturnType<typeof startAppOnDatabase>>;

const APP_ENV: Record<string, string> = {
  HOST: '127.0.0.1', LOG_LEVEL: 'warn', ADMIN_TOKEN, SIM_AUCTIONS: '0', SIM_SYMBOLS: 'BTC-USD', SIM_TIME_ACCELERATION: '60',
  DEFLATE_ENABLED: 'false', INBOUND_MESSAGES_PER_SECOND: '100000', INBOUND_BURST: '100000', MAX_CONNECTIONS_PER_ADDRESS: '100000',
  MAX_CONNECTIONS_PER_KEY: '1000', PUBLISH_MAX_SKEW_MS: '60000', HEARTBEAT_INTERVAL_MS: '60000', IDLE_TIMEOUT_MS: '0',
  SLOW_CONSUMER_SOFT_BYTES: String(256 * 1024 * 1024), SLOW_CONSUMER_HARD_BYTES: String(1024 * 1024 * 1024),
};

const startApp = (appDir: string, databaseUrl: string, extra: Record<string, string>): Promise<App> =>
  startAppOnDatabase(appDir, databaseUrl, { ...APP_ENV, ...extra }, 'bidtape');

function connect(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, 'bidtape.v1.proto', { perMessageDeflate: false, headers });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

const send = (ws: WebSocket, message: bidtape.v1.IClientMessage) => ws.send(pb.ClientMessage.encode(message).finish());

/** A subscriber at every update: counts ticks and calls `onTick` with each. */
async function subscriber(url: string, symbols: string[], onTick?: (tick: bidtape.v1.ITick, atMs: number) => void) {
  const ws = await connect(url);
  const state = { ticks: 0, ws };
  ws.on('message', (data: Buffer) => {
    const at = performance.now();
    const message = pb.ServerMessage.decode(data);
    const ticks = message.tick ? [message.tick] : (message.tickBatch?.ticks ?? []);
    state.ticks += ticks.length;
    if (onTick) for (const t of ticks) onTick(t, at);
  });
  send(ws, { id: 1, subscribe: { symbols, maxRate: 0 } });
  await sleep(300);
  return state;
}

async function admin(httpUrl: string, method: string, route: string, body: unknown): Promise<Response> {
  const response = await fetch(`${httpUrl}/v1/admin${route}`, {
    method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  if (response.status >= 300) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
  return response;
}

/** An instrument and a publisher key that is its source. */
async function publisherSetup(httpUrl: string, symbol: string): Promise<string> {
  await admin(httpUrl, 'POST', '/instruments', { symbol, displayName: symbol, priceScale: 2, tickSize: 1, sizeScale: 0, lotSize: 1, quoteCurrency: 'USD' });
  const key = (await (await admin(httpUrl, 'POST', '/keys', { name: symbol, scopes: ['feed:publish'], publishSymbols: [symbol] })).json()) as { key: string; id: string };
  await admin(httpUrl, 'PUT', `/instruments/${symbol}/source`, { source: 'publisher', keyId: key.id });
  return key.key;
}

/** One publisher sending batches of BATCH quotes with WINDOW in flight, for SECONDS: accepted items. */
async function publishFlat(url: string, key: string, symbol: string, seconds: number): Promise<number> {
  const ws = await connect(url, { 'x-api-key': key });
  let accepted = 0;
  let inFlight = 0;
  let id = 0;
  let price = 100_000;
  const deadline = performance.now() + seconds * 1000;
  await new Promise<void>((resolve) => {
    const fill = () => {
      while (inFlight < WINDOW && performance.now() < deadline) {
        const quotes = Array.from({ length: BATCH }, () => {
          price += 1;
          return { symbol, bidPrice: price, askPrice: price + 2, bidSize: 5, askSize: 5 };
        });
        send(ws, { id: ++id, publish: { quotes } });
        inFlight++;
      }
      if (inFlight === 0) resolve();
    };
    ws.on('message', (data: Buffer) => {
      const message = pb.ServerMessage.decode(data);
      if (!message.publishAck) return;
      accepted += message.publishAck.accepted ?? 0;
      inFlight--;
      fill();
    });
    fill();
  });
  ws.terminate();
  return accepted;
}

interface Row { phase: string; value: string; note: string }

async function main(): Promise<void> {
  installSignalHandlers();
  const work = mkdtempSync(path.join(os.tmpdir(), 'bidtape-ingest-bench-'));
  trackTempDir(work);
  chmodSync(work, 0o755); // the embedded PostgreSQL runs as `postgres` when we are root
  const appDir = path.join(work, 'app');
  snapshotApp(appDir);
  const database = await startDatabase(path.join(work, 'pg'));
  const rows: Row[] = [];
  const log = (line: string) => process.stderr.write(`# ${line}\n`);

  // 1. The simulator path.
  const simLatency = new LatencyRecorder();
  {
    const app = await startApp(appDir, database.url, { SIM_ENABLED: 'true', SIM_TICKS_PER_SECOND: String(LATENCY_RATE) });
    let measuring = false; // after the subscribe settled
    const origin = performance.timeOrigin;
    await subscriber(app.wsUrl, ['BTC-USD'], (t, at) => {
      if (measuring) simLatency.recordMs(origin + at - Number(t.timestampUs) / 1000);
    });
    measuring = true;
    await sleep(SECONDS * 1000);
    measuring = false;
    await app.stop();
  }
  const sim = simLatency.summary();
  log(`simulator at ${LATENCY_RATE}/s: ${sim.count} ticks`);
  let simThroughput = 0;
  let simCpuPerItem = 0;
  {
    const app = await startApp(appDir, database.url, { SIM_ENABLED: 'true', SIM_TICKS_PER_SECOND: String(THROUGHPUT_RATE) });
    const sub = await subscriber(app.wsUrl, ['BTC-USD']);
    await sleep(1000);
    const before = sub.ticks;
    const cpu0 = cpuTimes(app.pid);
    await sleep(SECONDS * 1000);
    const cpu1 = cpuTimes(app.pid);
    simThroughput = (sub.ticks - before) / SECONDS;
    simCpuPerItem = ((cpu1.user + cpu1.system - cpu0.user - cpu0.system) * 1e6) / (sub.ticks - before);
    sub.ws.terminate();
    await app.stop();
  }

  // 2. Ingest.
  const app = await startApp(appDir, database.url, { SIM_ENABLED: 'false' });
  const symbols = Array.from({ length: 10 }, (_, i) => `ING${i}`);
  const keys: string[] = [];
  for (const s of symbols) keys.push(await publisherSetup(app.httpUrl, s));

  const sub1 = await subscriber(app.wsUrl, [symbols[0]]);
  const cpu0 = cpuTimes(app.pid);
  const one = await publishFlat(app.wsUrl, keys[0], symbols[0], SECONDS);
  const cpu1 = cpuTimes(app.pid);
  await sleep(300);
  const ingestCpuPerItem = ((cpu1.user + cpu1.system - cpu0.user - cpu0.system) * 1e6) / one;
  const oneDelivered = sub1.ticks;
  sub1.ws.terminate();
  const ten = (await Promise.all(symbols.map((s, i) => publishFlat(app.wsUrl, keys[i], s, SECONDS)))).reduce((a, b) => a + b, 0);

  // Latency: one quote per request at LATENCY_RATE, send → receive, in this process's clock.
  const sentAt = new Map<number, number>();
  const ingestLatency = new LatencyRecorder();
  const latSub = await subscriber(app.wsUrl, [symbols[1]], (t, at) => {
    const sent = sentAt.get(Number(t.bidPrice));
    if (sent !== undefined) ingestLatency.recordMs(at - sent);
  });
  const publisher = await connect(app.wsUrl, { 'x-api-key': keys[1] });
  let price = 10_000_000;
  const interval = 1000 / LATENCY_RATE;
  const startedAt = performance.now();
  for (let n = 0; performance.now() - startedAt < SECONDS * 1000; n++) {
    const due = startedAt + n * interval;
    const wait = due - performance.now();
    if (wait > 0.5) await sleep(wait);
    price += 1;
    sentAt.set(price, performance.now());
    send(publisher, { id: n + 1, publish: { quotes: [{ symbol: symbols[1], bidPrice: price, askPrice: price + 2, bidSize: 5, askSize: 5 }] } });
  }
  await sleep(300);
  publisher.terminate();
  latSub.ws.terminate();
  const ingest = ingestLatency.summary();

  // 3. A day of 1 s candles, read back over REST.
  const db = new Client({ connectionString: database.url });
  await db.connect();
  const day = Date.UTC(2026, 10, 30);
  await db.query(
    `INSERT INTO candles (symbol, interval, start_at, open, high, low, close, volume, count, closed)
     SELECT $1, '1s', to_timestamp($2::bigint / 1000.0) + make_interval(secs => g), 100 + g % 7, 110 + g % 7, 90 + g % 7, 105 + g % 7, 10, 3, true
       FROM generate_series(0, 86399) g`,
    [symbols[2], day],
  );
  await db.end();
  const pageTimes = new LatencyRecorder();
  let pages = 0;
  let from = new Date(day).toISOString();
  const to = new Date(day + 86_400_000).toISOString();
  let fetched = 0;
  const dayStarted = performance.now();
  while (from) {
    const t0 = performance.now();
    const page = (await (await fetch(`${app.httpUrl}/v1/instruments/${symbols[2]}/candles?interval=1s&from=${from}&to=${to}&limit=5000`)).json()) as { candles: unknown[]; next: string | null };
    pageTimes.recordMs(performance.now() - t0);
    pages++;
    fetched += page.candles.length;
    from = page.next ?? '';
  }
  const dayMs = performance.now() - dayStarted;
  const lastTimes = new LatencyRecorder();
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    await (await fetch(`${app.httpUrl}/v1/instruments/${symbols[2]}/candles?interval=1s&to=${to}`)).json();
    lastTimes.recordMs(performance.now() - t0);
  }
  await app.stop();
  await database.stop();
  const pageSummary = pageTimes.summary();
  const last = lastTimes.summary();

  const f = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  rows.push(
    { phase: 'simulator path, 1 subscriber (every update)', value: `${f(simThroughput)} ticks/s delivered`, note: `offered ${f(THROUGHPUT_RATE)}/s; server CPU ${f(simCpuPerItem, 1)} µs per tick` },
    { phase: 'ingest, 1 publisher', value: `${f(one / SECONDS)} items/s accepted`, note: `batches of ${BATCH}, ${WINDOW} in flight; server CPU ${f(ingestCpuPerItem, 1)} µs per item; subscriber got ${f(oneDelivered)} of ${f(one)}` },
    { phase: 'ingest, 10 publishers', value: `${f(ten / SECONDS)} items/s accepted`, note: 'own key and symbol each' },
    { phase: `ingest/simulator delivered rate`, value: `${f(one / SECONDS / simThroughput, 2)}×`, note: 'one publisher vs the simulator at its offered rate' },
    { phase: `latency, simulator path at ${LATENCY_RATE}/s`, value: `p50 ${f(sim.p50Ms, 2)} ms, p99 ${f(sim.p99Ms, 2)} ms`, note: 'sequenced (server stamp) → received' },
    { phase: `latency, ingest at ${LATENCY_RATE}/s`, value: `p50 ${f(ingest.p50Ms, 2)} ms, p99 ${f(ingest.p99Ms, 2)} ms`, note: `publisher sent → subscriber received (${f(ingest.count)} quotes)` },
    { phase: 'ingest/simulator p99', value: `${f(ingest.p99Ms / sim.p99Ms, 2)}×`, note: 'includes the publisher hop and the PublishRequest decode/checks' },
    { phase: 'a day of 1 s candles over REST', value: `${f(dayMs)} ms for ${f(fetched)} candles`, note: `${pages} pages of 5,000: p50 ${f(pageSummary.p50Ms, 1)} ms, max ${f(pageSummary.maxMs, 1)} ms` },
    { phase: 'the last 500 1 s candles (default query)', value: `p50 ${f(last.p50Ms, 1)} ms`, note: `max ${f(last.maxMs, 1)} ms over 20 queries` },
  );
  console.log(`\ningest benchmark (${os.cpus().length} cores, ${SECONDS} s phases)\n`);
  for (const r of rows) console.log(`${r.phase.padEnd(46)} ${r.value.padEnd(36)} ${r.note}`);
}

main().then(
  () => cleanupAll(),
  async (error: Error) => {
    console.error(error);
    await cleanupAll();
    process.exitCode = 1;
  },
);
