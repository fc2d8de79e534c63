/**
 * The system under test: one embedded PostgreSQL for the whole run, and one app process per
 * variant (a snapshot of the built `dist/`) pointed at it with DATABASE_URL.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import type { EmbeddedDatabase } from '../../src/database/embedded-postgres';
import { stopChild, track, trackPgDataDir, wasInterrupted } from '../children';
import { freePort, waitForReady } from '../servers';

export interface Variant {
  name: 'group commit' | 'group commit, 1 in flight' | 'one tx per bid';
  /** Short tag used in bidder handles and client bid ids. */
  tag: 'g' | 's' | 'o';
  batchMax: number;
  /** BID_BATCHES_IN_FLIGHT; the app's default when not set. */
  inFlight?: number;
}

export interface RunningApp {
  variant: Variant;
  pid: number;
  httpUrl: string;
  wsUrl: string;
  stop(): Promise<void>;
}

export interface PostgresFacts {
  version: string;
  fsync: string;
  synchronousCommit: string;
  walSyncMethod: string;
  sharedBuffers: string;
}

export async function startDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  trackPgDataDir(dataDir);
  const lines: string[] = [];
  const log = (line: string) => {
    lines.push(line);
    if (lines.length > 40) lines.shift();
  };
  try {
    return await startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: false, log });
  } catch (error) {
    throw new Error(`embedded PostgreSQL did not start: ${(error as Error).message}\n${lines.join('\n')}`);
  }
}

/**
 * The database's URL through a relay that delays every chunk by `delayMs` each way
 * (bids/db-delay-proxy.ts, its own process): a database on another host, as the apps see it.
 */
export async function startDatabaseDelay(databaseUrl: string, delayMs: number): Promise<string> {
  const target = new URL(databaseUrl);
  const child = track(
    spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'db-delay-proxy.ts'), target.port, String(delayMs)], {
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  const port = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('exit', (code) => reject(new Error(`the database delay relay exited (${code}) before listening`)));
  });
  const url = new URL(databaseUrl);
  url.port = port;
  return url.toString(); // the relay ends with the bench's other children
}

export async function postgresFacts(url: string): Promise<PostgresFacts> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    const show = async (name: string) => (await db.query<Record<string, string>>(`SHOW ${name}`)).rows[0][name];
    return {
      version: await show('server_version'),
      fsync: await show('fsync'),
      synchronousCommit: await show('synchronous_commit'),
      walSyncMethod: await show('wal_sync_method'),
      sharedBuffers: await show('shared_buffers'),
    };
  } finally {
    await db.end();
  }
}

/** App settings that are not under test: limits that would otherwise cap the offered load. */
const APP_ENV = {
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  SIM_ENABLED: 'false',
  // 200 bidders at 10k+ bids/s is 50+ bids/s per bidder; the defaults (20/s, 50 msgs/s)
  // would answer RATE_LIMITED: this bench measures commits, not the rate limits.
  BIDS_PER_SECOND_PER_BIDDER: '100000',
  INBOUND_MESSAGES_PER_SECOND: '100000',
  INBOUND_BURST: '100000',
  INBOUND_STRIKES_TO_CLOSE: '100000',
  MAX_CONNECTIONS_PER_ADDRESS: '1000000',
  // The variant not being measured keeps its connections open and silent.
  IDLE_TIMEOUT_MS: '0',
  HEARTBEAT_INTERVAL_MS: '30000',
  AUCTION_LIFECYCLE_INTERVAL_MS: '1000',
  DEFLATE_ENABLED: 'false',
};

export async function startApp(variant: Variant, appDir: string, databaseUrl: string): Promise<RunningApp> {
  const app = await startAppOnDatabase(appDir, databaseUrl, { ...APP_ENV, BID_BATCH_MAX: String(variant.batchMax), ...(variant.inFlight ? { BID_BATCHES_IN_FLIGHT: String(variant.inFlight) } : {}) }, `app (${variant.name})`);
  return { variant, ...app };
}

/** One app process (a snapshot of `dist/` in `appDir`) on an already running PostgreSQL, with `env` over ours. */
export async function startAppOnDatabase(appDir: string, databaseUrl: string, env: Record<string, string>, what: string): Promise<Omit<RunningApp, 'variant'>> {
  const port = await freePort();
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, PORT: String(port), DATABASE_URL: databaseUrl };
  delete childEnv.EMBEDDED_PG_DIR;
  delete childEnv.EMBEDDED_PG_PORT;
  const child = track(
    // BENCH_APP_NODE_ARGS: extra node flags for the app, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" (as in the capacity bench).
    spawn(process.execPath, [...(process.env.BENCH_APP_NODE_ARGS ?? '').split(' ').filter(Boolean), path.join(appDir, 'dist', 'src', 'main.js')], { cwd: appDir, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: childEnv }),
  );
  try {
    const echo = echoTo(what);
    child.stderr?.on('data', echo);
    // At LOG_LEVEL=warn anything it says after the start matters.
    await waitForReady(child, /listening on/, 90_000, what, echo);
  } catch (error) {
    await stopChild(child, 'SIGKILL', 1000);
    throw error;
  }
  return {
    pid: child.pid!,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/v1/stream`,
    // SIGTERM: the app answers or refuses what is queued, closes its clients and its pool.
    stop: () => stopChild(child, 'SIGTERM', 15_000),
  };
}

/** Warnings and errors of an app during the run go to our stderr. */
function echoTo(what: string): (chunk: Buffer) => void {
  return (chunk) => {
    // After Ctrl-C the database goes down under the apps: their complaints are expected.
    if (!wasInterrupted()) process.stderr.write(`[${what}] ${chunk.toString()}`);
  };
}

/** Creates `count` open auctions through the REST API, `concurrency` requests at a time. */
export async function createAuctions(httpUrl: string, count: number, startingPrice: number, title: string, concurrency = 16): Promise<string[]> {
  const ids = new Array<string>(count);
  const endAt = new Date(Date.now() + 3_600_000).toISOString();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const response = await fetch(`${httpUrl}/v1/auctions?bidder=bench-seller`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: `${title} ${index + 1}`, currency: 'EUR', startingPrice, endAt, softCloseWindowSeconds: 0, softCloseExtensionSeconds: 0 }),
      });
      const body = (await response.json()) as { id?: string };
      if (response.status !== 201 || !body.id) throw new Error(`POST /v1/auctions answered ${response.status}: ${JSON.stringify(body)}`);
      ids[index] = body.id;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return ids;
}
