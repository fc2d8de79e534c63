/**
 * Bidding benchmark: durable bids per second and acknowledgement latency, group commit
 * (BID_BATCH_MAX=500) side by side with one transaction per bid (BID_BATCH_MAX=1: the same
 * statements from Node, one commit per bid), on one hot auction and spread over many.
 *
 *   npm run bench:bids
 *   BENCH_BIDDERS=50 BENCH_SECONDS=2 BENCH_AUCTIONS=100 npm run bench:bids   # quick smoke
 *
 * Both variants run against the same real PostgreSQL (fsync on), one after the other, through
 * the same WebSocket client harness in this process. Figures are printed and written to
 * bench/results/bids-<timestamp>.json.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { Client } from 'pg';
import WebSocket from 'ws';
import '../../src/gateway/wire/protobuf-numbers';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { bidtape } from '../../src/generated/bidtape';

const pb = bidtape.v1;
const BIDDERS = Number(process.env.BENCH_BIDDERS ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const AUCTIONS = Number(process.env.BENCH_AUCTIONS ?? 1000);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const root = path.resolve(__dirname, '..', '..');

interface Answer { accepted: boolean; seq: number; next: number; reason: bidtape.v1.BidRejectReason; clientBidId: string; auctionId: string }
interface Figures { decidedPerS: number; acceptedPerS: number; p50: number; p99: number; max: number; sentPerS: number; errors: number }

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** One bidder connection with request/answer correlation. */
class Bidder {
  private nextId = 1;
  private readonly waiting = new Map<number, { sentAt: number; resolve: (a: Answer & { latencyMs: number }) => void }>();
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const m = pb.ServerMessage.decode(data);
      const a = m.bidAccepted ?? m.bidRejected;
      if (!a) return;
      const w = this.waiting.get(a.requestId!);
      if (!w) return;
      this.waiting.delete(a.requestId!);
      w.resolve({
        accepted: Boolean(m.bidAccepted), seq: m.bidAccepted?.seq ?? 0, next: a.nextMinimum ?? 0, reason: m.bidRejected?.reason ?? pb.BidRejectReason.BID_REJECT_REASON_UNSPECIFIED,
        clientBidId: a.clientBidId!, auctionId: a.auctionId!, latencyMs: performance.now() - w.sentAt,
      });
    });
  }
  static async open(url: string): Promise<Bidder> {
    const ws = new WebSocket(url, 'bidtape.v1.proto', { perMessageDeflate: false });
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    return new Bidder(ws);
  }
  bid(auctionId: string, amount: number, clientBidId: string): Promise<Answer & { latencyMs: number }> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, { sentAt: performance.now(), resolve });
      this.ws.send(pb.ClientMessage.encode({ id, placeBid: { auctionId, amount, clientBidId } }).finish());
    });
  }
}

async function startApp(databaseUrl: string, batchMax: number): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(root, 'dist', 'src', 'main.js')], {
    env: {
      ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', SIM_ENABLED: 'false',
      BID_BATCH_MAX: String(batchMax), DB_POOL_SIZE: '20', INBOUND_MESSAGES_PER_SECOND: '100000', INBOUND_BURST: '100000',
      BIDS_PER_SECOND_PER_BIDDER: '100000', MAX_CONNECTIONS_PER_ADDRESS: '100000', AUCTION_LIFECYCLE_INTERVAL_MS: '1000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => /listening/.test(d.toString()) && resolve());
    child.once('exit', (code) => reject(new Error(`app exited ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

async function createAuctions(base: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, count - i) }, async () => {
      const response = await fetch(`${base}/v1/auctions`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Bench lot', currency: 'EUR', startingPrice: 1000, endAt: new Date(Date.now() + 3_600_000).toISOString(), softCloseWindowSeconds: 0, softCloseExtensionSeconds: 0 }),
      });
      return ((await response.json()) as { id: string }).id;
    }));
    ids.push(...batch);
  }
  return ids;
}

function summarize(answers: (Answer & { latencyMs: number })[], seconds: number, sent: number): Figures {
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  for (const a of answers) histogram.recordValue(Math.max(1, Math.round(a.latencyMs * 1000)));
  const ms = (us: number) => Math.round(us / 10) / 100;
  const figures = {
    decidedPerS: Math.round(answers.length / seconds),
    acceptedPerS: Math.round(answers.filter((a) => a.accepted).length / seconds),
    p50: ms(histogram.getValueAtPercentile(50)), p99: ms(histogram.getValueAtPercentile(99)), max: ms(histogram.maxValue),
    sentPerS: Math.round(sent / seconds),
    errors: answers.filter((a) => !a.accepted && a.reason === pb.BidRejectReason.BID_REJECT_REASON_TEMPORARILY_UNAVAILABLE).length,
  };
  histogram.destroy();
  return figures;
}

/** Every bidder bids its known next minimum, waits for the answer, repeats. */
async function closedLoop(bidders: Bidder[], pick: () => string, tag: string): Promise<{ figures: Figures; answers: Answer[] }> {
  const answers: (Answer & { latencyMs: number })[] = [];
  const next = new Map<string, number>();
  const stopAt = performance.now() + SECONDS * 1000;
  let n = 0;
  await Promise.all(bidders.map(async (b, i) => {
    while (performance.now() < stopAt) {
      const auctionId = pick();
      const a = await b.bid(auctionId, next.get(auctionId) ?? 1000, `${tag}-${i}-${n++}`);
      answers.push(a);
      if (a.next) next.set(auctionId, Math.max(next.get(auctionId) ?? 0, a.next));
      if (a.reason === pb.BidRejectReason.BID_REJECT_REASON_ALREADY_LEADING) await new Promise((r) => setTimeout(r, 2));
    }
  }));
  return { figures: summarize(answers, SECONDS, answers.length), answers };
}

/** Bids sent at a fixed total rate, spread over the bidders, whatever the answers do. */
async function openLoop(bidders: Bidder[], pick: () => string, tag: string): Promise<{ figures: Figures; answers: Answer[] }> {
  const answers: (Answer & { latencyMs: number })[] = [];
  const pending: Promise<void>[] = [];
  const next = new Map<string, number>();
  const start = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(RATE * SECONDS, Math.floor(((performance.now() - start) / 1000) * RATE));
      for (; sent < due; sent++) {
        const auctionId = pick();
        const amount = (next.get(auctionId) ?? 1000) + (sent % 7) * 100; // some jump ahead, as real bidders do
        pending.push(bidders[sent % bidders.length].bid(auctionId, amount, `${tag}-${sent}`).then((a) => {
          answers.push(a);
          if (a.next) next.set(auctionId, Math.max(next.get(auctionId) ?? 0, a.next));
        }));
      }
      if (sent >= RATE * SECONDS) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  await Promise.all(pending);
  return { figures: summarize(answers, SECONDS, sent), answers };
}

async function verify(databaseUrl: string, answers: Answer[]): Promise<string> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const accepted = answers.filter((a) => a.accepted);
    const rows = await db.query<{ client_bid_id: string; seq: string }>(
      'SELECT client_bid_id, seq FROM bids WHERE client_bid_id = ANY($1)', [accepted.map((a) => a.clientBidId)]);
    const stored = new Map(rows.rows.map((r) => [r.client_bid_id, Number(r.seq)]));
    const missing = accepted.filter((a) => stored.get(a.clientBidId) !== a.seq).length;
    const gaps = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM (SELECT auction_id, max(seq) AS m, count(*) AS c FROM bids GROUP BY auction_id) t WHERE m <> c`);
    return missing === 0 && gaps.rows[0].n === '0' ? `verified: ${accepted.length} acknowledged bids stored with their seq; no seq gaps`
      : `VERIFY FAILED: ${missing} acknowledged bids missing or mis-numbered, ${gaps.rows[0].n} auctions with gaps`;
  } finally {
    await db.end();
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'bidtape-bids-'));
  chmodSync(work, 0o755);
  const database = await startEmbeddedPostgres({ dataDir: path.join(work, 'pg'), port: await freePort(), persistent: false });
  const children: ChildProcess[] = [];
  const cleanup = async () => {
    children.forEach((c) => c.kill('SIGKILL'));
    await database.stop().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  const results: Record<string, Record<string, Figures>> = {};
  const verification: string[] = [];
  try {
    console.log(`bidding bench: ${BIDDERS} bidders, ${SECONDS}s per phase, ${AUCTIONS} auctions spread, open loop ${RATE} bids/s; ${cpus().length} CPUs shared by app, PostgreSQL and clients`);
    for (const [variant, batchMax] of [['group commit', 500], ['one tx per bid', 1]] as const) {
      const app = await startApp(database.url, batchMax);
      children.push(app.child);
      const tag = variant === 'group commit' ? 'g' : 'o';
      const wsUrl = `${app.url.replace('http', 'ws')}/v1/stream`;
      const bidders = await Promise.all(Array.from({ length: BIDDERS }, (_, i) => Bidder.open(`${wsUrl}?bidder=bench-${tag}-${i}`)));
      const [hot] = await createAuctions(app.url, 1);
      const spread = await createAuctions(app.url, AUCTIONS);
      const [hotOpen] = await createAuctions(app.url, 1);
      const spreadOpen = await createAuctions(app.url, AUCTIONS);
      const random = (ids: string[]) => () => ids[Math.floor(Math.random() * ids.length)];
      const all: Answer[] = [];
      const run = async (name: string, phase: Promise<{ figures: Figures; answers: Answer[] }>) => {
        const { figures, answers } = await phase;
        (results[variant] ??= {})[name] = figures;
        all.push(...answers);
        console.log(`  ${variant.padEnd(15)} ${name.padEnd(26)} decided ${String(figures.decidedPerS).padStart(6)}/s  accepted ${String(figures.acceptedPerS).padStart(6)}/s  ack p50 ${figures.p50} ms  p99 ${figures.p99} ms  max ${figures.max} ms  retryable ${figures.errors}`);
      };
      await run('hot auction, closed loop', closedLoop(bidders, () => hot, `${tag}h`));
      await run(`${AUCTIONS} auctions, closed loop`, closedLoop(bidders, random(spread), `${tag}s`));
      await run(`hot auction, ${RATE}/s`, openLoop(bidders, () => hotOpen, `${tag}H`));
      await run(`${AUCTIONS} auctions, ${RATE}/s`, openLoop(bidders, random(spreadOpen), `${tag}S`));
      bidders.forEach((b) => b.ws.terminate());
      app.child.kill('SIGTERM');
      await new Promise((r) => app.child.once('exit', r));
      verification.push(`${variant}: ${await verify(database.url, all)}`);
    }
    const g = results['group commit'];
    const o = results['one tx per bid'];
    const hotName = 'hot auction, closed loop';
    const ratio = (a: number, b: number) => (b ? Math.round((a / b) * 10) / 10 : Infinity);
    console.log('\ngoals');
    const acceptedRatio = ratio(g[hotName].acceptedPerS, o[hotName].acceptedPerS);
    const decidedRatio = ratio(g[hotName].decidedPerS, o[hotName].decidedPerS);
    console.log(`  hot auction, group commit / one tx per bid: accepted ${acceptedRatio}x, decided ${decidedRatio}x (goal >= 15x): ${decidedRatio >= 15 || acceptedRatio >= 15 ? 'met' : 'NOT met'}`);
    for (const [variant, r] of Object.entries(results)) {
      for (const name of [`hot auction, ${RATE}/s`, `${AUCTIONS} auctions, ${RATE}/s`]) {
        console.log(`  ${variant}, ${name}: p99 ${r[name].p99} ms at ${r[name].sentPerS} bids/s (goal < 20 ms): ${r[name].p99 < 20 ? 'met' : 'NOT met'}`);
      }
    }
    verification.forEach((v) => console.log(`  ${v}`));
    mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
    const file = path.join(root, 'bench', 'results', `bids-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), bidders: BIDDERS, seconds: SECONDS, auctions: AUCTIONS, rate: RATE, results, verification }, null, 2));
    console.log(`\nresults: ${path.relative(root, file)}`);
  } finally {
    await cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
