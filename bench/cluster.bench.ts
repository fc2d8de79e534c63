/**
 * Cluster benchmark (`npm run bench:cluster`): the fan-out harness against
 *   (a) one `all` process (single process, in-process bus), and
 *   (b) a feed and two gateways on Redis,
 * with the same clients split over two harness processes, the same offered ticks and the same
 * PostgreSQL. Prints delivered msgs/s, publish→receive p50/p99 (the feed stamps publish time,
 * so (b) includes the Redis hop), server CPU per delivered message (every server process and
 * redis-server, from /proc), Redis's own cost next to `redis-benchmark` PUBLISH on the same
 * machine, and a connection-count phase: three gateways holding many idle subscribed
 * connections from several loopback source addresses, with RSS per connection.
 *
 *   npm run bench:cluster
 *   CLUSTER_BENCH_CLIENTS=200 CLUSTER_BENCH_SECONDS=3 CLUSTER_BENCH_CONNECTIONS=3000 npm run bench:cluster   # smoke
 *   CLUSTER_BENCH_PHASES=connections npm run bench:cluster   # only the connection-count phase
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cleanupAll, installSignalHandlers, stopChild, track, trackPgDataDir, trackTempDir, wasInterrupted } from './children';
import { Harness } from './harness';
import type { WindowReport } from './harness-protocol';
import type { startEmbeddedPostgres as StartEmbeddedPostgres } from '../src/database/embedded-postgres';
import { cpuTimes, sampleRss, sleep } from './proc';
import { freePort, snapshotApp, waitForReady } from './servers';

const env = process.env;
const CLIENTS = Number(env.CLUSTER_BENCH_CLIENTS ?? 1000);
const SECONDS = Number(env.CLUSTER_BENCH_SECONDS ?? 8);
const LATENCY_RATE = Number(env.CLUSTER_BENCH_LATENCY_RATE ?? 10); // ticks/s: × CLIENTS msgs/s
const THROUGHPUT_RATE = Number(env.CLUSTER_BENCH_THROUGHPUT_RATE ?? 300);
const ROUNDS = Number(env.CLUSTER_BENCH_ROUNDS ?? 2);
const CONNECTIONS = Number(env.CLUSTER_BENCH_CONNECTIONS ?? 50_000);
/** `load` (latency, throughput, Redis), `connections`, or both (the default). */
const PHASES = new Set((env.CLUSTER_BENCH_PHASES ?? 'load,connections').split(',').map((p) => p.trim()));
/** Issue #12: 50,000 subscribed connections at most 12 KiB of gateway RSS each. */
const CONNECTIONS_GOAL = 50_000;
const RSS_PER_CONNECTION_GOAL_KIB = 12;
const CONNECTION_GATEWAYS = 3;
/** Sockets per client process: under the 20,000 descriptors one process may hold here. */
const PER_HARNESS = 12_500;

interface Node {
  name: string;
  child: ChildProcess;
  pid: number;
  wsUrl: string;
  httpUrl: string;
}

interface Context {
  appDir: string;
  databaseUrl: string;
  redisUrl: string;
  redisPort: number;
  redisPid: number;
  log(line: string): void;
}

type Variant = 'single' | 'cluster';

interface PhaseResult {
  variant: Variant;
  rate: number;
  delivered: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU seconds per second of each server process (and redis-server), % of one core. */
  cpuPercent: Record<string, number>;
  /** Server CPU (all processes, Redis included) per delivered message, µs. */
  cpuPerMessageUs: number;
  redisCpuPercent: number;
  feedPublishesPerSecond: number;
}

async function startNode(context: Context, name: string, extra: Record<string, string>): Promise<Node> {
  const port = await freePort();
  const child = track(
    spawn(process.execPath, [path.join(context.appDir, 'dist', 'src', 'main.js')], {
      cwd: context.appDir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        DATABASE_URL: context.databaseUrl,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        SIM_ENABLED: 'false',
        SIM_AUCTIONS: '0',
        SIM_SYMBOLS: 'BTC-USD',
        SIM_SEED: '7',
        DEFLATE_ENABLED: 'false',
        HEARTBEAT_INTERVAL_MS: '60000',
        IDLE_TIMEOUT_MS: '0',
        MAX_CONNECTIONS_PER_ADDRESS: '1000000',
        SLOW_CONSUMER_SOFT_BYTES: String(256 * 1024 * 1024),
        SLOW_CONSUMER_HARD_BYTES: String(1024 * 1024 * 1024),
        NODE_ID: name,
        ...extra,
      },
    }),
  );
  await waitForReady(child, /listening on/, 90_000, name);
  return { name, child, pid: child.pid!, wsUrl: `ws://127.0.0.1:${port}/v1/stream`, httpUrl: `http://127.0.0.1:${port}` };
}

const stopNodes = (nodes: Node[]) => Promise.all(nodes.map((n) => stopChild(n.child, 'SIGTERM', 15_000)));

/** The topology of a variant, simulating `rate` ticks/s; returns the nodes and where clients go. */
async function topology(context: Context, variant: Variant, rate: number, gateways = 2): Promise<{ nodes: Node[]; targets: Node[] }> {
  const sim = { SIM_ENABLED: String(rate > 0), SIM_TICKS_PER_SECOND: String(Math.max(1, rate)) };
  if (variant === 'single') {
    const all = await startNode(context, 'all', sim);
    return { nodes: [all], targets: [all] };
  }
  const cluster = { REDIS_URL: context.redisUrl, FEED_LEASE_MS: '3000' };
  const feed = await startNode(context, 'feed', { ...cluster, ...sim, CLUSTER_ROLE: 'feed' });
  const gws = await Promise.all(
    Array.from({ length: gateways }, (_, i) => startNode(context, `gateway-${i + 1}`, { ...cluster, CLUSTER_ROLE: 'gateway' })),
  );
  return { nodes: [feed, ...gws], targets: gws };
}

async function feedPublishes(node: Node): Promise<number> {
  const text = await (await fetch(`${node.httpUrl}/metrics`)).text();
  return Number(/^bidtape_cluster_tick_publishes_total (\S+)$/m.exec(text)?.[1] ?? NaN);
}

async function loadPhase(context: Context, variant: Variant, rate: number, sampleEvery: number): Promise<PhaseResult> {
  const running = await topology(context, variant, rate);
  const harnesses = [Harness.start(), Harness.start()];
  try {
    await Promise.all(harnesses.map((h, i) =>
      h.connect({ url: running.targets[i % running.targets.length].wsUrl, clients: CLIENTS / 2, deflateWindowBits: 0, concurrency: 50, timeoutMs: 60_000 })));
    await sleep(1500); // settle: every client subscribed, JIT warm
    const pids = [...running.nodes.map((n) => n.pid), context.redisPid];
    const before = pids.map(cpuTimes);
    const feed = running.nodes[0];
    const publishesBefore = variant === 'cluster' ? await feedPublishes(feed) : 0;
    const startedAt = performance.now();
    harnesses.forEach((h) => h.start(sampleEvery));
    await sleep(SECONDS * 1000);
    const reports: WindowReport[] = await Promise.all(harnesses.map((h) => h.stop()));
    const seconds = (performance.now() - startedAt) / 1000;
    const publishesAfter = variant === 'cluster' ? await feedPublishes(feed) : 0;
    const after = pids.map(cpuTimes);
    const names = [...running.nodes.map((n) => n.name), 'redis-server'];
    const cpuPercent: Record<string, number> = {};
    let serverSeconds = 0;
    names.forEach((name, i) => {
      const used = after[i].user + after[i].system - before[i].user - before[i].system;
      if (variant === 'single' && name === 'redis-server') return;
      cpuPercent[name] = (used / seconds) * 100;
      serverSeconds += used;
    });
    const delivered = reports.reduce((sum, r) => sum + r.ticksPerSecond, 0);
    return {
      variant,
      rate,
      delivered,
      p50Ms: Math.max(...reports.map((r) => r.latency.p50Ms)),
      p99Ms: Math.max(...reports.map((r) => r.latency.p99Ms)),
      cpuPercent,
      cpuPerMessageUs: (serverSeconds / (delivered * seconds)) * 1e6,
      redisCpuPercent: cpuPercent['redis-server'] ?? 0,
      feedPublishesPerSecond: (publishesAfter - publishesBefore) / seconds,
    };
  } finally {
    await Promise.all(harnesses.map((h) => h.close()));
    await stopNodes(running.nodes);
  }
}

/** redis-benchmark PUBLISH of a tick-channel-sized message, on the same machine, now. */
function redisBenchmark(port: number, payloadBytes: number): { plain: number; pipelined: number } {
  const run = (pipeline: number) => {
    const out = spawnSync('redis-benchmark', ['-p', String(port), '-n', '100000', '-c', '10', '-P', String(pipeline), '-q', '-d', String(payloadBytes),
      'PUBLISH', 'bench:channel', '__data__'], { encoding: 'utf8' }).stdout;
    return Number(/([\d.]+) requests per second/.exec(out)?.[1] ?? NaN);
  };
  return { plain: run(1), pipelined: run(16) };
}

async function connectionPhase(context: Context): Promise<{ connections: number; seconds: number; rssPerConnectionKiB: number[]; failed: number }> {
  const running = await topology(context, 'cluster', 1, CONNECTION_GATEWAYS);
  const gateways = running.targets;
  const baseRss = await Promise.all(gateways.map((g) => sampleRss(g.pid)));
  const harnessCount = Math.ceil(CONNECTIONS / PER_HARNESS);
  const harnesses = Array.from({ length: harnessCount }, () => Harness.start());
  try {
    const started = performance.now();
    let subscribed = 0;
    let failed = 0;
    await Promise.all(harnesses.map(async (h, i) => {
      const mine = Math.min(PER_HARNESS, CONNECTIONS - i * PER_HARNESS);
      let before = 0; // a harness reports its running total
      // Each client process connects from its own loopback address, to every gateway in turn.
      for (let g = 0; g < gateways.length; g++) {
        const share = Math.floor(mine / gateways.length) + (g < mine % gateways.length ? 1 : 0);
        const result = await h.connect({
          url: gateways[g].wsUrl, clients: share, deflateWindowBits: 0, concurrency: 100, timeoutMs: 120_000, localAddress: `127.0.${1 + i}.${10 + g}`,
        });
        subscribed += result.subscribed - before;
        before = result.subscribed;
        failed += result.failed;
      }
    }));
    const seconds = (performance.now() - started) / 1000;
    await sleep(2000);
    const rss = await Promise.all(gateways.map((g) => sampleRss(g.pid)));
    const perGateway = subscribed / gateways.length;
    return { connections: subscribed, seconds, failed, rssPerConnectionKiB: rss.map((r, i) => (r - baseRss[i]) / perGateway / 1024) };
  } finally {
    await Promise.all(harnesses.map((h) => h.close()));
    await stopNodes(running.nodes);
  }
}

async function main(): Promise<void> {
  installSignalHandlers();
  const startedAt = Date.now();
  const log = (line: string) => console.error(`[${String(Math.round((Date.now() - startedAt) / 1000)).padStart(4)} s] ${line}`);
  if (spawnSync('redis-server', ['--version']).status !== 0) throw new Error('redis-server not found (apt-get install redis-server)');
  const temp = mkdtempSync(path.join(os.tmpdir(), 'bidtape-cluster-bench-'));
  trackTempDir(temp);
  chmodSync(temp, 0o755);
  const appDir = path.join(temp, 'app');
  snapshotApp(appDir);
  const pgDir = path.join(temp, 'pg');
  trackPgDataDir(pgDir);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startEmbeddedPostgres } = require(path.join(appDir, 'dist', 'src', 'database', 'embedded-postgres.js')) as { startEmbeddedPostgres: typeof StartEmbeddedPostgres };
  const database = await startEmbeddedPostgres({ dataDir: pgDir, port: await freePort(), persistent: false });
  const redisPort = await freePort();
  const redis = track(spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] }));
  await waitForReady(redis, /Ready to accept connections/, 10_000, 'redis-server');
  const context: Context = { appDir, databaseUrl: database.url, redisUrl: `redis://127.0.0.1:${redisPort}`, redisPort, redisPid: redis.pid!, log };
  try {
    const load = PHASES.has('load') ? await loadPhases(context) : undefined;
    let connections: Awaited<ReturnType<typeof connectionPhase>> | undefined;
    if (PHASES.has('connections')) {
      log(`connection phase: ${CONNECTIONS} idle subscribed connections over ${CONNECTION_GATEWAYS} gateways`);
      connections = await connectionPhase(context);
    }
    console.log(report(load, connections));
  } finally {
    await stopChild(redis, 'SIGTERM', 3000);
    await database.stop();
  }
}

interface LoadPhases {
  latency: PhaseResult[];
  throughput: PhaseResult[];
  publishBench: { plain: number; pipelined: number };
}

async function loadPhases(context: Context): Promise<LoadPhases> {
  context.log(`${CLIENTS} clients over 2 client processes; ${SECONDS} s windows; latency at ${LATENCY_RATE} ticks/s, throughput at ${THROUGHPUT_RATE} ticks/s × ${ROUNDS} rounds`);
  const latency: PhaseResult[] = [];
  for (const variant of ['single', 'cluster'] as const) {
    context.log(`${variant}: latency phase`);
    latency.push(await loadPhase(context, variant, LATENCY_RATE, 1));
  }
  const throughput: PhaseResult[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const variant of round % 2 ? (['single', 'cluster'] as const) : (['cluster', 'single'] as const)) {
      context.log(`${variant}: throughput round ${round}`);
      const result = await loadPhase(context, variant, THROUGHPUT_RATE, 20);
      context.log(`    ${Math.round(result.delivered).toLocaleString('en-US')} msgs/s delivered`);
      throughput.push(result);
    }
  }
  context.log('redis-benchmark PUBLISH');
  return { latency, throughput, publishBench: redisBenchmark(context.redisPort, 120) };
}

function report(load: LoadPhases | undefined, connections: Awaited<ReturnType<typeof connectionPhase>> | undefined): string {
  const n = (v: number, digits = 0) => v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const lines = ['', `## Cluster benchmark (${new Date().toISOString()}, ${os.cpus().length} cores, node ${process.version})`];
  if (load) {
    const { latency, throughput, publishBench } = load;
    const best = (variant: Variant) => throughput.filter((r) => r.variant === variant).sort((x, y) => y.delivered - x.delivered)[0];
    const [lSingle, lCluster] = latency;
    const tSingle = best('single');
    const tCluster = best('cluster');
    const cpu = (r: PhaseResult) => Object.entries(r.cpuPercent).map(([k, v]) => `${k} ${n(v)}%`).join(', ');
    lines.push(
      '',
      `| phase | variant | delivered msgs/s | p50 ms | p99 ms | server CPU µs/msg | CPU per process (% of a core) |`,
      '|---|---|---:|---:|---:|---:|---|',
      ...[...latency, ...throughput].map((r) =>
        `| ${r.rate === LATENCY_RATE ? 'latency' : 'throughput'} ${r.rate}/s × ${CLIENTS} | ${r.variant} | ${n(r.delivered)} | ${n(r.p50Ms, 2)} | ${n(r.p99Ms, 2)} | ${n(r.cpuPerMessageUs, 2)} | ${cpu(r)} |`),
      '',
      `Goal: the cluster adds at most 1 ms to p50 publish→receive: +${n(lCluster.p50Ms - lSingle.p50Ms, 2)} ms ` +
        `(${n(lSingle.p50Ms, 2)} → ${n(lCluster.p50Ms, 2)}) — ${lCluster.p50Ms - lSingle.p50Ms <= 1 ? 'met' : 'NOT met'}`,
      `Goal: the cluster delivers ≥ 1.6× one process: ${n(tCluster.delivered / tSingle.delivered, 2)}× ` +
        `(${n(tSingle.delivered)} → ${n(tCluster.delivered)} msgs/s) — ${tCluster.delivered / tSingle.delivered >= 1.6 ? 'met' : 'NOT met'}` +
        `${tCluster.delivered >= THROUGHPUT_RATE * CLIENTS * 0.98 && tSingle.delivered >= THROUGHPUT_RATE * CLIENTS * 0.98 ? ' (both delivered all that was offered: raise the rate)' : ''}`,
      `Redis: the feed published ${n(tCluster.feedPublishesPerSecond)} messages/s (one per feed turn) at ${n(tCluster.redisCpuPercent)}% of a core; ` +
        `redis-benchmark PUBLISH (120-byte payload) on this machine now: ${n(publishBench.plain)}/s, ${n(publishBench.pipelined)}/s pipelined ×16 — ` +
        `headroom ${n(publishBench.plain / Math.max(1, tCluster.feedPublishesPerSecond))}×`,
    );
  }
  if (connections) {
    const worstKiB = Math.max(...connections.rssPerConnectionKiB);
    lines.push(
      `Connections: ${n(connections.connections)} idle subscribed over ${CONNECTION_GATEWAYS} gateways (${n(connections.failed)} failed) ` +
        `in ${n(connections.seconds, 1)} s = ${n(connections.connections / connections.seconds)} connections/s; ` +
        `RSS per connection ${connections.rssPerConnectionKiB.map((k) => `${n(k, 1)} KiB`).join(' / ')}`,
      `Goal: ≥ ${n(CONNECTIONS_GOAL)} connections: ${n(connections.connections)} — ${connections.connections >= CONNECTIONS_GOAL ? 'met' : 'NOT met'}`,
      `Goal: RSS per connection ≤ ${RSS_PER_CONNECTION_GOAL_KIB} KiB on every gateway: at most ${n(worstKiB, 1)} KiB — ${worstKiB <= RSS_PER_CONNECTION_GOAL_KIB ? 'met' : 'NOT met'}`,
    );
  }
  return lines.join('\n');
}

main()
  .catch((error: unknown) => {
    if (wasInterrupted()) return;
    console.error(error instanceof Error ? error.stack : error);
    process.exitCode = 1;
  })
  .finally(() => cleanupAll());
