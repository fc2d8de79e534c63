/**
 * Bidding benchmark: durable bids per second and acknowledgement latency of group commit
 * (BID_BATCH_MAX=500) side by side with one transaction per bid (BID_BATCH_MAX=1, the same
 * statements from Node), on one hot auction and spread over many, closed and open loop.
 * Both app variants run at once against one embedded PostgreSQL (fsync on); the scenarios
 * alternate between them, each on fresh auctions, and every window is checked in SQL.
 * See docs/bidding-performance.md; `--help` lists the settings.
 *
 *   npm run bench:bids                                                                     # ~2.5 min
 *   BENCH_BIDDERS=50 BENCH_SECONDS=1 BENCH_AUCTIONS=100 BENCH_RATE=300 npm run bench:bids  # smoke
 */
import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { EmbeddedDatabase } from '../src/database/embedded-postgres';
import { postgresFacts, startApp, startDatabase, startDatabaseDelay } from './bids/app';
import type { Variant } from './bids/app';
import { openBidders } from './bids/bidder';
import { findPgbench, measurePgbenchCeiling } from './bids/pgbench';
import type { PgbenchCeiling } from './bids/pgbench';
import { loadConfig, usage } from './bids/config';
import type { VariantKey } from './bids/config';
import { formatGoals, formatTable, goals, writeJson } from './bids/report';
import { runScenarios, warmUp } from './bids/runner';
import type { Side } from './bids/runner';
import { Verifier } from './bids/verify';
import { cleanupAll, installSignalHandlers, trackTempDir, wasInterrupted } from './children';
import { gitState } from './report';
import { ROOT, snapshotApp } from './servers';

const startedAt = new Date();
/** The pgbench ceiling's shape: rows per transaction (issue #12) and clients (each on its own auctions). */
const PGBENCH_ROWS = 50;
const PGBENCH_CLIENTS = 8;
const log = (line: string) => console.error(`[${((Date.now() - startedAt.getTime()) / 1000).toFixed(0).padStart(4)} s] ${line}`);

async function main(): Promise<number> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(usage());
    return 0;
  }
  const config = loadConfig(process.env);
  installSignalHandlers();
  const git = gitState();
  const tempDir = mkdtempSync(path.join(os.tmpdir(), 'bidtape-bids-'));
  trackTempDir(tempDir);
  chmodSync(tempDir, 0o755); // the embedded PostgreSQL runs as `postgres` when we are root
  // A copy of dist/: a rebuild of the working tree during the run cannot break an app start.
  const appDir = path.join(tempDir, 'app');
  snapshotApp(appDir);

  let database: EmbeddedDatabase | undefined;
  let db: Client | undefined;
  const sides: Side[] = [];
  try {
    database = await startDatabase(path.join(tempDir, 'pg'));
    const pg = await postgresFacts(database.url);
    const cpus = os.cpus();
    log(
      `PostgreSQL ${pg.version} (fsync ${pg.fsync}, synchronous_commit ${pg.synchronousCommit}, ${pg.walSyncMethod}); ` +
        `${config.bidders} bidders per variant, ${config.seconds} s windows, ${config.auctions} auctions spread, open loop ${config.rate} bids/s; ` +
        `${cpus.length} CPUs shared by the apps, PostgreSQL and the bench`,
    );
    // The apps may reach the database through a delaying relay; the bench's own checks go direct.
    let appDatabaseUrl = database.url;
    if (config.dbDelayMs > 0) {
      appDatabaseUrl = await startDatabaseDelay(database.url, config.dbDelayMs);
      log(`the apps reach PostgreSQL through a relay that holds each chunk ${config.dbDelayMs} ms each way (a database on another host)`);
    }
    const variants = (
      [
        { key: 'group', name: 'group commit', tag: 'g', batchMax: config.batchMax },
        { key: 'serial', name: 'group commit, 1 in flight', tag: 's', batchMax: config.batchMax, inFlight: 1 },
        { key: 'one', name: 'one tx per bid', tag: 'o', batchMax: 1 },
      ] satisfies (Variant & { key: VariantKey })[]
    ).filter((v) => config.variants.includes(v.key));
    // One after the other: the first start runs the migrations.
    for (const variant of variants) {
      const app = await startApp(variant, appDir, appDatabaseUrl);
      const bidders = await openBidders(app.wsUrl, `${variant.tag}-bidder`, config.bidders, config.startingPrice);
      sides.push({ app, bidders });
      log(`${variant.name}: app pid ${app.pid} (BID_BATCH_MAX=${variant.batchMax}), ${bidders.length} bidders connected`);
    }
    for (const side of sides) await warmUp(side, config);

    db = new Client({ connectionString: database.url });
    await db.connect();
    const verifier = new Verifier(db);
    const attempts = await runScenarios(sides, config, verifier, log);
    const records = attempts.filter((a) => a.reported).map((a) => a.record);

    // PostgreSQL's own ceiling for bid-shaped transactions, same server, same run (the apps idle).
    let ceiling: PgbenchCeiling | null = null;
    const pgbench = findPgbench();
    if (pgbench) {
      log(`pgbench: ${PGBENCH_ROWS} bid-shaped rows per transaction, ${config.auctions} auctions, ${PGBENCH_CLIENTS} clients, ${config.seconds} s`);
      ceiling = await measurePgbenchCeiling(pgbench, database.url, {
        seconds: Math.max(3, config.seconds), clients: PGBENCH_CLIENTS, auctions: config.auctions, rowsPerTransaction: PGBENCH_ROWS,
      });
    } else {
      log('pgbench not found (PGBENCH, PATH or /usr/lib/postgresql/*/bin; apt install postgresql): the ceiling goal is skipped');
    }

    console.log(`\nBidding bench, ${startedAt.toISOString()}, ${cpus.length} CPUs (${cpus[0]?.model ?? 'unknown'}), Node ${process.version}, PostgreSQL ${pg.version}`);
    console.log(`${config.bidders} bidders per variant, ${config.seconds} s per window${config.rounds > 1 ? `, median of ${config.rounds} rounds` : ''}\n`);
    console.log(formatTable(records, config));
    console.log("decided = answered bids the server stored (accepted bid rows + stored rejections) within the window; bids/commit from the rows' transaction ids");
    if (ceiling) {
      console.log(`\npgbench ceiling: ${Math.round(ceiling.transactionsPerSecond).toLocaleString('en-US')} tx/s × ${ceiling.rowsPerTransaction} rows = ` +
        `${Math.round(ceiling.rowsPerSecond).toLocaleString('en-US')} bid rows/s (${ceiling.command})`);
    }
    const goalList = goals(records, config, ceiling);
    console.log(`\ngoals\n${formatGoals(goalList, config)}`);
    console.log(`\n${verifier.summary()}`);
    const rerun = attempts.filter((a) => !a.reported).map((a) => a.record);
    const file = writeJson(ROOT, startedAt, { config, git, postgres: pg, records, rerun, goals: goalList, verified: verifier.ok, pgbench: ceiling });
    console.log(`results: ${path.relative(ROOT, file)} (${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s)`);
    return verifier.ok ? 0 : 1;
  } finally {
    await db?.end().catch(() => undefined);
    for (const side of sides) side.bidders.forEach((b) => b.close());
    await Promise.all(sides.map((s) => s.app.stop()));
    await database?.stop().catch(() => undefined);
  }
}

void main()
  .catch((error: unknown) => {
    if (!wasInterrupted()) console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    return 1;
  })
  // Explicit exit: the embedded-postgres package's exit hook would otherwise end with 0.
  .then(async (code) => {
    await cleanupAll();
    process.exit(code);
  });
