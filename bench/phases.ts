/**
 * The phases run against each server variant, each on a freshly started server with a
 * fresh client harness:
 *  - memory: no ticks; server RSS before and after N clients connect and subscribe.
 *  - load (the fan-out bench's latency and throughput phases, every phase of the capacity
 *    bench): an offered tick rate over some symbols, subscribed at some max_rate, by one or
 *    several client groups; delivered updates/s, server CPU per delivered update, receive
 *    time minus publish time per decoded tick.
 */
import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { trackPgDataDir, trackTempDir } from './children';
import type { PhaseConfig, VariantName } from './config';
import { Harness } from './harness';
import type { ClientGroup, ClientProtocol, Connected, WindowReport } from './harness-protocol';
import { backgroundSince, cpuUseSince, markCpu, pinToCpus, processTable, rssBytes, sampleRss, sendQueuesByPeer, sleep } from './proc';
import type { Background, CpuUse, SendQueue } from './proc';
import type { RunningServer, ServerOptions } from './servers';
import {
  freePort,
  scrapeCounters,
  snapshotApp,
  startApp,
  startBareBatchServer,
  startBareServer,
  startNaiveThrottleServer,
  startSocketIoServer,
} from './servers';

export interface MemoryResult {
  subscribed: number;
  connectSeconds: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  rssPerConnectionBytes: number;
}

/** What a load phase ticks and subscribes to; the defaults are BTC-USD at every update. */
export interface LoadShape {
  /** Symbols the server ticks (the offered rate is their total) and every client subscribes to. */
  symbols?: string[];
  /** max_rate of each client's subscription, updates/s per symbol; 0: every update. */
  maxRate?: number;
  /** Updates each client should receive per second; default: the offered ticks/s. */
  expectedPerClient?: number;
  /** Client classes, each with its own figures in the window report; default one of all clients. */
  groups?: ClientGroup[];
}

export interface LoadResult {
  offeredTicksPerSecond: number;
  /** Offered ticks/s × subscribed clients (with a throttle: the updates expected, × clients). */
  offeredMessagesPerSecond: number;
  subscribed: number;
  connectSeconds: number;
  connectFailed: number;
  window: WindowReport;
  /** Server process CPU over the window (and the whole machine's). */
  serverCpu: CpuUse;
  /** Server CPU microseconds per delivered message over the window. */
  serverCpuMicrosPerMessage: number;
  serverRssEndBytes: number;
  /** The kernel's send queues of the server's connections right after the window, by client address. */
  serverSendQueues: Record<string, SendQueue>;
  /** Everything else that ran during the window: other tenants' work, kernel threads. */
  background: Background;
  /** Background above the limit in every attempt: this figure is less trustworthy. */
  disturbed: boolean;
  /** Attempts made (a disturbed window is run again, up to the retry limit). */
  attempts: number;
  /** The app only: its own counters over the window (messages written, deflate bytes). */
  appCounters?: {
    messagesOutPerSecond: number;
    deflateInputBytes: number;
    deflateOutputBytes: number;
    /** Garbage-collection time, % of the window. */
    gcPercent: number;
    /** Slow-consumer actions since the server started (warm-up included), by kind. */
    slowConsumerActions: { warn: number; recover: number; close: number };
  };
}

export interface PhaseContext<C extends PhaseConfig = PhaseConfig> {
  config: C;
  /** Snapshot of the built app the `bidtape` variants run. */
  appDir: string;
  pgDataDir: string;
  pgPort: number;
  log: (line: string) => void;
  /** Seconds spent so far on re-running disturbed windows (bounded by config.retryBudgetSeconds). */
  retrySecondsSpent: number;
}

const isApp = (variant: VariantName) => variant.startsWith('bidtape');
/** `… on`: permessage-deflate offered by the clients and enabled on the server. */
const deflates = (variant: VariantName) => variant.endsWith(' on');

function clientProtocol(variant: VariantName): ClientProtocol {
  if (variant === 'socket.io') return 'socketio';
  return variant.endsWith(' json') ? 'json' : 'bidtape';
}

/**
 * A temp dir with the log and, when a bidtape variant is to run, a snapshot of the built
 * app and its embedded PostgreSQL's data (reused by every app start).
 */
export async function preparePhaseContext<C extends PhaseConfig>(config: C, startedAt: Date): Promise<PhaseContext<C>> {
  const tempDir = mkdtempSync(path.join(os.tmpdir(), 'bidtape-bench-'));
  trackTempDir(tempDir);
  // The embedded PostgreSQL runs as the `postgres` user when we are root: it must get in.
  chmodSync(tempDir, 0o755);
  const appDir = path.join(tempDir, 'app');
  if (config.variants.some(isApp)) snapshotApp(appDir);
  const pgDataDir = path.join(tempDir, 'pg');
  trackPgDataDir(pgDataDir);
  const elapsed = () => `${((Date.now() - startedAt.getTime()) / 1000).toFixed(0).padStart(4)} s`;
  return {
    config,
    appDir,
    pgDataDir,
    pgPort: await freePort(),
    log: (line) => console.error(`[${elapsed()}] ${line}`),
    retrySecondsSpent: 0,
  };
}

function startServer(variant: VariantName, ticksPerSecond: number, context: PhaseContext, shape: LoadShape): Promise<RunningServer> {
  const options: ServerOptions = {
    ticksPerSecond,
    symbols: shape.symbols,
    seed: context.config.seed,
    deflateWindowBits: deflates(variant) ? context.config.windowBits : 0,
    encoding: clientProtocol(variant) === 'json' ? 'json' : 'proto',
  };
  switch (variant) {
    case 'socket.io':
      return startSocketIoServer(options);
    case 'naive throttle':
      return startNaiveThrottleServer(options);
    case 'bare batch off':
    case 'bare batch on':
      return startBareBatchServer(options);
    case 'bare-ws off':
    case 'bare-ws on':
    case 'bare-ws json':
      return startBareServer(options);
    case 'bidtape off':
    case 'bidtape on':
    case 'bidtape json':
    case 'bidtape policy':
      return startApp({
        ...options,
        appDir: context.appDir,
        pgDataDir: context.pgDataDir,
        pgPort: context.pgPort,
        slowConsumerLimits: variant === 'bidtape policy' ? 'app defaults' : 'out of the way',
      });
  }
}

async function withServerAndClients<T>(
  variant: VariantName,
  ticksPerSecond: number,
  context: PhaseContext,
  shape: LoadShape,
  body: (server: RunningServer, harness: Harness, connect: () => Promise<Connected>) => Promise<T>,
): Promise<T> {
  const server = await startServer(variant, ticksPerSecond, context, shape);
  let harness: Harness | undefined;
  try {
    harness = Harness.start();
    const { config } = context;
    if (config.pin) {
      pinToCpus(server.pid, config.pin.server);
      pinToCpus(harness.pid, config.pin.client);
    }
    const connect = async () => {
      const connected = await harness!.connect({
        url: server.wsUrl,
        protocol: clientProtocol(variant),
        clients: config.clients,
        deflateWindowBits: deflates(variant) ? config.windowBits : 0,
        concurrency: config.connectConcurrency,
        timeoutMs: config.connectTimeoutSeconds * 1000,
        symbols: shape.symbols,
        maxRate: shape.maxRate,
        groups: shape.groups,
      });
      const failed = connected.failed > 0 ? `, ${connected.failed} failed (${connected.firstError})` : '';
      context.log(`    ${connected.subscribed} clients subscribed in ${connected.seconds.toFixed(1)} s${failed}`);
      if (connected.subscribed === 0) throw new Error(`no client could subscribe to ${variant}: ${connected.firstError}`);
      return connected;
    };
    return await body(server, harness, connect);
  } finally {
    await harness?.close();
    await server.stop();
  }
}

export function runMemoryPhase(variant: VariantName, context: PhaseContext): Promise<MemoryResult> {
  const settleMs = context.config.settleSeconds * 1000;
  return withServerAndClients(variant, 0, context, {}, async (server, _harness, connect) => {
    await sleep(settleMs);
    const before = await sampleRss(server.pid);
    const connected = await connect();
    await sleep(settleMs);
    const after = await sampleRss(server.pid);
    return {
      subscribed: connected.subscribed,
      connectSeconds: connected.seconds,
      rssBeforeBytes: before,
      rssAfterBytes: after,
      rssPerConnectionBytes: (after - before) / connected.subscribed,
    };
  });
}

export function runLoadPhase(
  variant: VariantName,
  ticksPerSecond: number,
  sampleEvery: number,
  context: PhaseContext,
  shape: LoadShape = {},
): Promise<LoadResult> {
  const { config } = context;
  return withServerAndClients(variant, ticksPerSecond, context, shape, async (server, harness, connect) => {
    const connected = await connect();
    await sleep(config.warmupSeconds * 1000);
    const countersBefore = server.httpUrl ? await scrapeCounters(server.httpUrl) : undefined;
    const countersFrom = performance.now();
    const cpuMark = markCpu(server.pid);
    const processes = processTable();
    harness.start(sampleEvery);
    await sleep(config.seconds * 1000);
    const window = await harness.stop();
    const serverCpu = cpuUseSince(server.pid, cpuMark);
    const serverSendQueues = sendQueuesByPeer(Number(new URL(server.wsUrl).port));
    // Our own groups: the server (and its PostgreSQL), the harness, and this runner.
    const background = backgroundSince(processes, [server.pid, harness.pid, process.pid]);
    const countersAfter = server.httpUrl ? await scrapeCounters(server.httpUrl) : undefined;
    const countersSeconds = (performance.now() - countersFrom) / 1000;
    const delta = (name: string) => (countersAfter?.[name] ?? NaN) - (countersBefore?.[name] ?? NaN);
    return {
      offeredTicksPerSecond: ticksPerSecond,
      offeredMessagesPerSecond: (shape.expectedPerClient ?? ticksPerSecond) * connected.subscribed,
      subscribed: connected.subscribed,
      connectSeconds: connected.seconds,
      connectFailed: connected.failed,
      window,
      serverCpu,
      serverCpuMicrosPerMessage: ((serverCpu.percent / 100) * 1e6) / window.ticksPerSecond,
      serverRssEndBytes: rssBytes(server.pid),
      serverSendQueues,
      background,
      disturbed: background.percent > config.maxBackgroundPercent,
      attempts: 1,
      appCounters: countersAfter && {
        messagesOutPerSecond: delta('bidtape_messages_out_total') / countersSeconds,
        deflateInputBytes: delta('bidtape_deflate_input_bytes_total'),
        deflateOutputBytes: delta('bidtape_deflate_output_bytes_total'),
        gcPercent: (delta('gc_seconds') / countersSeconds) * 100,
        slowConsumerActions: {
          warn: slowConsumerActions(countersAfter, 'warn'),
          recover: slowConsumerActions(countersAfter, 'recover'),
          close: slowConsumerActions(countersAfter, 'close'),
        },
      },
    };
  });
}

const slowConsumerActions = (counters: Record<string, number>, action: string) => counters[`bidtape_slow_consumer_actions_total{action="${action}"}`] ?? 0;

/**
 * A load phase, run again (on a fresh server) while other processes on the machine used
 * more than the allowed CPU during its window, up to `config.retries` more times and
 * within the run's retry time budget.
 */
export async function runLoadPhaseSettled(
  variant: VariantName,
  ticksPerSecond: number,
  sampleEvery: number,
  context: PhaseContext,
  shape: LoadShape = {},
): Promise<LoadResult> {
  const { config } = context;
  for (let attempt = 1; ; attempt++) {
    const started = performance.now();
    const result = await runLoadPhase(variant, ticksPerSecond, sampleEvery, context, shape);
    if (attempt > 1) context.retrySecondsSpent += (performance.now() - started) / 1000;
    result.attempts = attempt;
    if (!result.disturbed || attempt > config.retries) return result;
    const who = result.background.top.map((p) => `${p.name} ${Math.round(p.percent)} %`).join(', ');
    const load = `background load ${Math.round(result.background.percent)} % of a core (${who})`;
    if (context.retrySecondsSpent >= config.retryBudgetSeconds) {
      context.log(`    ${load}; retry budget spent, keeping it`);
      return result;
    }
    context.log(`    ${load}: running it again`);
  }
}
