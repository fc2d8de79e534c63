/**
 * Soak: thousands of connections subscribing, unsubscribing, bidding and reconnecting for
 * minutes against the real app (own process, embedded PostgreSQL). Prints server memory and
 * error counts every interval, then whether memory stayed flat and errors did not grow.
 *
 *   npm run soak                               # defaults below
 *   SOAK_SECONDS=60 SOAK_CONNECTIONS=500 npm run soak
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import '../../src/gateway/wire/protobuf-numbers';
import { bidtape } from '../../src/generated/bidtape';

const pb = bidtape.v1;

const SECONDS = Number(process.env.SOAK_SECONDS ?? 180);
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 2000);
const AUCTIONS = Number(process.env.SOAK_AUCTIONS ?? 20);
const REPORT_EVERY_S = Number(process.env.SOAK_REPORT_SECONDS ?? 15);
const SYMBOLS = ['BTC-USD', 'ETH-USD', 'SOL-USD', 'AAPL', 'MSFT', 'NVDA', 'TSLA', 'AMZN', 'EUR-USD', 'GBP-USD', 'USD-JPY', 'XAU-USD'];
const root = path.resolve(__dirname, '..', '..');

const counters = { connects: 0, reconnects: 0, messages: 0, bids: 0, accepted: 0, rejected: 0, errors: 0, unexpectedCloses: 0 };

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function rssOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

const rand = (n: number) => Math.floor(Math.random() * n);

/** One simulated user: connects, subscribes, churns subscriptions, bids, and reconnects now and then. */
function user(wsUrl: string, index: number, auctionIds: string[], stopAt: number): Promise<void> {
  return new Promise((resolve) => {
    let id = 1;
    let ws: WebSocket;
    const next: Record<string, number> = {};
    const send = (m: bidtape.v1.IClientMessage) => ws.readyState === WebSocket.OPEN && ws.send(pb.ClientMessage.encode({ ...m, id: id++ }).finish());
    const open = () => {
      counters.connects++;
      ws = new WebSocket(`${wsUrl}?bidder=soak-${index}`, 'bidtape.v1.proto', { perMessageDeflate: index % 2 === 0 });
      let timer: NodeJS.Timeout | undefined;
      ws.on('open', () => {
        send({ subscribe: { symbols: [SYMBOLS[rand(12)], SYMBOLS[rand(12)]], maxRate: [1, 2, 5][rand(3)] } });
        send({ subscribeAuction: { auctionId: auctionIds[rand(auctionIds.length)] } });
        timer = setInterval(() => {
          if (Date.now() > stopAt) {
            clearInterval(timer);
            ws.close(1000);
            return;
          }
          const action = rand(100);
          if (action < 30) send({ subscribe: { symbols: [SYMBOLS[rand(12)]], maxRate: 1 } });
          else if (action < 55) send({ unsubscribe: { symbols: [SYMBOLS[rand(12)]] } });
          else if (action < 85) {
            const auctionId = auctionIds[rand(auctionIds.length)];
            counters.bids++;
            send({ placeBid: { auctionId, amount: next[auctionId] ?? 1000, clientBidId: `${index}-${id}-${Date.now()}` } });
          } else if (action < 95) send({ ping: { clientTime: Date.now() } });
          else ws.close(1000); // reconnect
        }, 1000 + rand(1000));
      });
      ws.on('message', (data: Buffer) => {
        counters.messages++;
        const m = pb.ServerMessage.decode(data);
        if (m.bidAccepted) {
          counters.accepted++;
          next[m.bidAccepted.auctionId!] = m.bidAccepted.nextMinimum!;
        } else if (m.bidRejected) {
          counters.rejected++;
          if (m.bidRejected.nextMinimum) next[m.bidRejected.auctionId!] = m.bidRejected.nextMinimum;
        } else if (m.error) counters.errors++;
      });
      ws.on('error', () => undefined);
      ws.on('close', (code) => {
        clearInterval(timer);
        if (code !== 1000 && code !== 1005) counters.unexpectedCloses++;
        if (Date.now() < stopAt) {
          counters.reconnects++;
          setTimeout(open, 100 + rand(400));
        } else resolve();
      });
    };
    open();
  });
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'bidtape-soak-'));
  chmodSync(work, 0o755); // PostgreSQL runs as the `postgres` user when this runs as root
  const port = await freePort();
  const server = spawn(process.execPath, [path.join(root, 'dist', 'src', 'main.js')], {
    env: {
      ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'error', EMBEDDED_PG_DIR: path.join(work, 'pg'),
      EMBEDDED_PG_PORT: String(await freePort()), SIM_ENABLED: 'true', SIM_TICKS_PER_SECOND: '500', SIM_AUCTIONS: '0',
      MAX_CONNECTIONS_PER_ADDRESS: String(CONNECTIONS * 2),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const cleanup = () => {
    server.kill('SIGTERM');
    setTimeout(() => rmSync(work, { recursive: true, force: true }), 3000).unref();
  };
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  await new Promise<void>((resolve, reject) => {
    server.stdout.on('data', (d: Buffer) => /listening/.test(d.toString()) && resolve());
    server.once('exit', (code) => reject(new Error(`server exited with ${code} before listening`)));
  });
  const base = `http://127.0.0.1:${port}`;
  const auctionIds: string[] = [];
  for (let i = 0; i < AUCTIONS; i++) {
    const response = await fetch(`${base}/v1/auctions?bidder=soak-seller`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: `Soak lot ${i}`, currency: 'EUR', startingPrice: 1000, endAt: new Date(Date.now() + (SECONDS + 600) * 1000).toISOString(), softCloseWindowSeconds: 0, softCloseExtensionSeconds: 0 }),
    });
    auctionIds.push(((await response.json()) as { id: string }).id);
  }

  console.log(`soak: ${CONNECTIONS} connections for ${SECONDS}s against ${base} (server pid ${server.pid})`);
  console.log('  t(s)  server RSS MiB  conns  reconnects  msgs/s   bids  accepted  rejected  errors  bad closes');
  const stopAt = Date.now() + SECONDS * 1000;
  const samples: { t: number; rss: number; errors: number }[] = [];
  let lastMessages = 0;
  const started = Date.now();
  const reporter = setInterval(() => {
    const t = Math.round((Date.now() - started) / 1000);
    const rss = rssOf(server.pid!);
    samples.push({ t, rss, errors: counters.errors + counters.unexpectedCloses });
    const rate = Math.round((counters.messages - lastMessages) / REPORT_EVERY_S);
    lastMessages = counters.messages;
    console.log(`  ${String(t).padStart(4)}  ${(rss / 2 ** 20).toFixed(1).padStart(14)}  ${String(counters.connects - counters.reconnects).padStart(5)}  ${String(counters.reconnects).padStart(10)}  ${String(rate).padStart(6)}  ${String(counters.bids).padStart(5)}  ${String(counters.accepted).padStart(8)}  ${String(counters.rejected).padStart(8)}  ${String(counters.errors).padStart(6)}  ${String(counters.unexpectedCloses).padStart(10)}`);
  }, REPORT_EVERY_S * 1000);

  const users: Promise<void>[] = [];
  for (let i = 0; i < CONNECTIONS; i++) {
    users.push(user(`ws://127.0.0.1:${port}/v1/stream`, i, auctionIds, stopAt));
    if (i % 100 === 99) await new Promise((r) => setTimeout(r, 50));
  }
  await Promise.all(users);
  clearInterval(reporter);

  // Flat memory: the second half's RSS may not exceed the first half's peak by more than 10%.
  const half = samples.filter((s) => s.t > SECONDS / 2);
  const early = samples.filter((s) => s.t <= SECONDS / 2 && s.t >= REPORT_EVERY_S * 2);
  const peakEarly = Math.max(...early.map((s) => s.rss));
  const peakLate = Math.max(...half.map((s) => s.rss));
  const memoryFlat = early.length > 0 && half.length > 0 && peakLate <= peakEarly * 1.1;
  console.log(`\nserver RSS peak: first half ${(peakEarly / 2 ** 20).toFixed(1)} MiB, second half ${(peakLate / 2 ** 20).toFixed(1)} MiB -> ${memoryFlat ? 'flat' : 'GROWING'}`);
  console.log(`errors (Error frames + unexpected closes): ${counters.errors + counters.unexpectedCloses} -> ${counters.unexpectedCloses === 0 ? 'no unexpected closes' : 'UNEXPECTED CLOSES'}`);
  console.log(`totals: ${JSON.stringify(counters)}`);
  cleanup();
  process.exit(memoryFlat && counters.unexpectedCloses === 0 ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
