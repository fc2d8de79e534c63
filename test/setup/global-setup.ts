import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { freePort } from '../support/handshake';

/**
 * One throwaway real PostgreSQL for the whole test run, migrated once. Workers read its
 * URL from DATABASE_URL. A DATABASE_URL already set (CI with its own server) is used as is.
 */
export default async function globalSetup(): Promise<void> {
  if (!process.env.DATABASE_URL) {
    const root = mkdtempSync(path.join(tmpdir(), 'bidtape-test-'));
    chmodSync(root, 0o755); // the server runs as the `postgres` user when tests run as root
    const database = await startEmbeddedPostgres({
      dataDir: path.join(root, 'pg'),
      port: await freePort(),
      persistent: false,
    });
    (globalThis as { __BIDTAPE_DB__?: typeof database }).__BIDTAPE_DB__ = database;
    process.env.DATABASE_URL = database.url;
  }
  const dataSource = new DataSource({ ...dataSourceOptions(process.env.DATABASE_URL), migrationsRun: false });
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'all' });
  await dataSource.destroy();
}
