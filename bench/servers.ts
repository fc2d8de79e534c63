/**
 * The servers under test, each started as its own child process on loopback: the bare `ws`
 * baseline (bench/bare-ws-server.ts), the bare batch loop (bench/bare-batch-server.ts), the
 * naive throttling baseline (bench/naive-throttle-server.ts), the Socket.IO peer
 * (bench/socketio-server.ts) and the real app (dist/src/main.js).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { stopChild, track } from './children';

export const ROOT = path.resolve(__dirname, '..');

/** Per-connection queue limits given to the app unless told otherwise: high enough never to act during a run. */
export const SLOW_CONSUMER_SOFT_BYTES = 256 * 1024 * 1024;
export const SLOW_CONSUMER_HARD_BYTES = 1024 * 1024 * 1024;

export interface ServerOptions {
  /** Offered ticks per second over all symbols; 0 runs no simulator (idle subscriptions). */
  ticksPerSecond: number;
  /** Catalogue symbols that tick; default BTC-USD. */
  symbols?: readonly string[];
  seed: number;
  /** permessage-deflate window bits; 0 turns compression off. */
  deflateWindowBits: number;
  /** What the bare `ws` loop sends (the app speaks each client's subprotocol); default proto. */
  encoding?: 'proto' | 'json';
}

export interface RunningServer {
  pid: number;
  wsUrl: string;
  /** HTTP base URL of the app (metrics); undefined for the peer servers. */
  httpUrl?: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Resolves with the first stdout line matching `ready`; rejects if the child exits first, with
 * its last output. Afterwards stdout keeps being drained (a full pipe would block the child),
 * into `afterReady` when given.
 */
export function waitForReady(
  child: ChildProcess,
  ready: RegExp,
  timeoutMs: number,
  what: string,
  afterReady?: (chunk: Buffer) => void,
): Promise<RegExpExecArray> {
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 50) output.shift();
  };
  child.stderr?.on('data', keep);
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      keep(chunk);
      buffered += chunk.toString();
      const match = ready.exec(buffered);
      if (match) {
        done();
        resolve(match);
      }
    };
    const onExit = (code: number | null, signal: string | null) => {
      done();
      reject(new Error(`${what} exited before it was ready (code ${code}, signal ${signal}):\n${output.join('')}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${what} not ready after ${timeoutMs} ms:\n${output.join('')}`));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      child.stdout?.on('data', afterReady ?? keep);
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** A peer server script in bench/ (BARE_* env, prints `listening <port>`, ends with its stdin). */
async function startPeer(script: string, what: string, env: NodeJS.ProcessEnv, wsUrl: (port: string) => string): Promise<RunningServer> {
  const child = track(
    spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(ROOT, 'bench', script)], {
      cwd: ROOT,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    }),
  );
  try {
    const [, port] = await waitForReady(child, /listening (\d+)/, 30_000, what);
    return {
      pid: child.pid!,
      wsUrl: wsUrl(port),
      stop: () => stopChild(child, 'SIGTERM', 3000),
    };
  } catch (error) {
    await stopChild(child, 'SIGKILL', 1000);
    throw error;
  }
}

const symbolsOf = (options: ServerOptions) => (options.symbols ?? ['BTC-USD']).join(',');

const peerTickEnv = (options: ServerOptions) => ({
  BARE_PORT: '0',
  BARE_TICKS_PER_SECOND: String(options.ticksPerSecond),
  BARE_SEED: String(options.seed),
  BARE_TIME_ACCELERATION: '60',
  BARE_SYMBOLS: symbolsOf(options),
});

/** bench/peer-server.ts: `ws`'s per-client permessage-deflate, or none. */
const peerDeflateEnv = (options: ServerOptions) => ({
  BARE_DEFLATE: String(options.deflateWindowBits > 0),
  BARE_WINDOW_BITS: String(options.deflateWindowBits || 15),
});

const streamUrl = (port: string) => `ws://127.0.0.1:${port}/v1/stream`;

export function startBareServer(options: ServerOptions): Promise<RunningServer> {
  const env = { ...peerTickEnv(options), ...peerDeflateEnv(options), BARE_ENCODING: options.encoding ?? 'proto' };
  return startPeer('bare-ws-server.ts', 'bare-ws server', env, streamUrl);
}

/** The bare batch loop: one TickBatch of the changed symbols per flush, sent to every client. */
export function startBareBatchServer(options: ServerOptions): Promise<RunningServer> {
  return startPeer('bare-batch-server.ts', 'bare batch server', { ...peerTickEnv(options), ...peerDeflateEnv(options) }, streamUrl);
}

/** The naive throttling baseline: one timer per (client, symbol) subscription, one frame per update. */
export function startNaiveThrottleServer(options: ServerOptions): Promise<RunningServer> {
  return startPeer('naive-throttle-server.ts', 'naive throttle server', peerTickEnv(options), streamUrl);
}

/** The Socket.IO peer (bench/socketio-server.ts); its clients speak Engine.IO over this URL. */
export function startSocketIoServer(options: ServerOptions): Promise<RunningServer> {
  return startPeer(
    'socketio-server.ts',
    'socket.io server',
    peerTickEnv(options),
    (port) => `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`,
  );
}

export interface AppServerOptions extends ServerOptions {
  /** Directory holding the snapshot of the built app (`dist/`), see {@link snapshotApp}. */
  appDir: string;
  pgDataDir: string;
  pgPort: number;
  /**
   * The slow-consumer limits: `out of the way` (the default; the policy never acts, as the
   * bare loop has none) or the app's own defaults (src/config/config.schema.ts).
   */
  slowConsumerLimits?: 'out of the way' | 'app defaults';
}

/**
 * Copies the built app (`dist/`) into `appDir` and links `node_modules` next to it, so a
 * rebuild of the working tree while the bench runs (nest build empties dist/ first)
 * cannot break an app start halfway through the run.
 */
export function snapshotApp(appDir: string): void {
  const dist = path.join(ROOT, 'dist');
  if (!existsSync(path.join(dist, 'src', 'main.js'))) {
    throw new Error('dist/src/main.js is missing: run `npm run build` first (npm run bench does)');
  }
  mkdirSync(appDir, { recursive: true });
  cpSync(dist, path.join(appDir, 'dist'), { recursive: true });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(appDir, 'node_modules'), 'dir');
}

export async function startApp(options: AppServerOptions): Promise<RunningServer> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    EMBEDDED_PG_DIR: options.pgDataDir,
    EMBEDDED_PG_PORT: String(options.pgPort),
    SIM_ENABLED: String(options.ticksPerSecond > 0),
    SIM_SEED: String(options.seed),
    SIM_TICKS_PER_SECOND: String(Math.max(1, options.ticksPerSecond)),
    SIM_TIME_ACCELERATION: '60',
    // The peers publish quotes only: so does the app here (no simulated trades, hence no trade
    // candles, and no simulated auctions or bots bidding in the background).
    SIM_TRADE_PERCENT: '0',
    SIM_AUCTIONS: '0',
    SIM_BIDS_PER_SECOND: '0',
    SIM_SYMBOLS: symbolsOf(options),
    DEFLATE_ENABLED: String(options.deflateWindowBits > 0),
    DEFLATE_THRESHOLD_BYTES: '0',
    DEFLATE_WINDOW_BITS: String(options.deflateWindowBits || 10),
    SLOW_CONSUMER_SOFT_BYTES: String(SLOW_CONSUMER_SOFT_BYTES),
    SLOW_CONSUMER_HARD_BYTES: String(SLOW_CONSUMER_HARD_BYTES),
    // No heartbeat sweep inside a phase (the bare server has none).
    HEARTBEAT_INTERVAL_MS: '60000',
    // Every bench client comes from 127.0.0.1.
    MAX_CONNECTIONS_PER_ADDRESS: '1000000',
  };
  if (options.slowConsumerLimits === 'app defaults') {
    // Neither ours nor any from the calling shell: the app's own.
    delete env.SLOW_CONSUMER_SOFT_BYTES;
    delete env.SLOW_CONSUMER_HARD_BYTES;
  }
  delete env.DATABASE_URL; // always the app's own embedded PostgreSQL in the temp dir
  const child = track(
    // BENCH_APP_NODE_ARGS: extra node flags for the app only, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
    spawn(process.execPath, [...(process.env.BENCH_APP_NODE_ARGS ?? '').split(' ').filter(Boolean), path.join(options.appDir, 'dist', 'src', 'main.js')], {
      cwd: options.appDir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    }),
  );
  try {
    await waitForReady(child, /listening on/, 90_000, 'bidtape');
    return {
      pid: child.pid!,
      wsUrl: `ws://127.0.0.1:${port}/v1/stream`,
      httpUrl: `http://127.0.0.1:${port}`,
      // SIGTERM: the app closes its clients and stops its PostgreSQL itself.
      stop: () => stopChild(child, 'SIGTERM', 15_000),
    };
  } catch (error) {
    await stopChild(child, 'SIGTERM', 10_000);
    throw error;
  }
}

/**
 * The app's counters from /metrics: `bidtape_*_total`, a labelled one under its name with its
 * labels (`bidtape_slow_consumer_actions_total{action="warn"}`), and the garbage collector's
 * time summed over GC kinds as `gc_seconds`.
 */
export async function scrapeCounters(httpUrl: string): Promise<Record<string, number>> {
  const response = await fetch(`${httpUrl}/metrics`);
  const text = await response.text();
  const counters: Record<string, number> = { gc_seconds: 0 };
  for (const line of text.split('\n')) {
    const total = /^(bidtape_[a-z_]+_total(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (total) counters[total[1]] = Number(total[2]);
    const gc = /^nodejs_gc_duration_seconds_sum\{[^}]*\} (\S+)$/.exec(line);
    if (gc) counters.gc_seconds += Number(gc[1]);
  }
  return counters;
}
