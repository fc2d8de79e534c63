/**
 * The ceiling the bidding bench compares against: what PostgreSQL itself commits on this
 * machine, measured by `pgbench` in the same run on the same server, for transactions of
 * bid-shaped rows — each row a conditional UPDATE of an auction's price and seq returning the
 * new seq, then an INSERT of the bid with it, like a group commit's statements — 50 rows per
 * transaction, 1,000 auctions, each client on its own auctions (no lock waits: a ceiling).
 * The tables are the bench's own (pgbench_bid_*), beside the app's.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

const run = promisify(execFile);

export interface PgbenchCeiling {
  command: string;
  clients: number;
  rowsPerTransaction: number;
  transactionsPerSecond: number;
  rowsPerSecond: number;
}

/** pgbench from PGBENCH, PATH, or Debian's PostgreSQL packages (apt install postgresql); null when absent. */
export function findPgbench(): string | null {
  if (process.env.PGBENCH) return existsSync(process.env.PGBENCH) ? process.env.PGBENCH : null; // PGBENCH=none skips it
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(path.join(dir, 'pgbench'))) return path.join(dir, 'pgbench');
  const debian = '/usr/lib/postgresql';
  if (!existsSync(debian)) return null;
  const versions = readdirSync(debian).sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const candidate = path.join(debian, version, 'bin', 'pgbench');
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

function script(rowsPerTransaction: number, auctionsPerClient: number): string {
  const lines = ['BEGIN;'];
  for (let i = 0; i < rowsPerTransaction; i++) {
    lines.push(
      `\\set a (:client_id * ${auctionsPerClient}) + ${(i % auctionsPerClient) + 1}`,
      'UPDATE pgbench_bid_auctions SET current_price = current_price + 1, seq = seq + 1 WHERE id = :a AND current_price < 1000000000000 RETURNING seq \\gset',
      "INSERT INTO pgbench_bid_rows (auction_id, seq, bidder, amount, created_at) VALUES (:a, :seq, :client_id, 100, now());",
    );
  }
  lines.push('END;');
  return `${lines.join('\n')}\n`;
}

export async function measurePgbenchCeiling(
  pgbench: string,
  databaseUrl: string,
  options: { seconds: number; clients: number; auctions: number; rowsPerTransaction: number },
): Promise<PgbenchCeiling> {
  const auctionsPerClient = Math.floor(options.auctions / options.clients);
  if (auctionsPerClient < 1) throw new Error('pgbench ceiling: more clients than auctions');
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query('DROP TABLE IF EXISTS pgbench_bid_rows, pgbench_bid_auctions');
    await db.query('CREATE TABLE pgbench_bid_auctions (id int PRIMARY KEY, current_price bigint NOT NULL, seq bigint NOT NULL)');
    await db.query(
      'CREATE TABLE pgbench_bid_rows (auction_id int NOT NULL REFERENCES pgbench_bid_auctions, seq bigint NOT NULL, bidder int NOT NULL, ' +
        'amount bigint NOT NULL, created_at timestamptz NOT NULL, PRIMARY KEY (auction_id, seq))',
    );
    await db.query('INSERT INTO pgbench_bid_auctions SELECT g, 1000, 0 FROM generate_series(0, $1) g', [options.auctions + auctionsPerClient]);
  } finally {
    await db.end();
  }
  const file = path.join(os.tmpdir(), `bidtape-pgbench-${process.pid}.sql`);
  writeFileSync(file, script(options.rowsPerTransaction, auctionsPerClient));
  const args = ['-n', '-M', 'prepared', '-c', String(options.clients), '-j', String(Math.min(2, options.clients)), '-T', String(options.seconds), '-f', file, databaseUrl];
  const { stdout } = await run(pgbench, args, { timeout: (options.seconds + 60) * 1000 });
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout);
  if (!tps) throw new Error(`pgbench printed no tps:\n${stdout}`);
  const transactionsPerSecond = Number(tps[1]);
  return {
    command: `pgbench ${args.slice(0, -1).join(' ')} <url>`,
    clients: options.clients,
    rowsPerTransaction: options.rowsPerTransaction,
    transactionsPerSecond,
    rowsPerSecond: transactionsPerSecond * options.rowsPerTransaction,
  };
}
