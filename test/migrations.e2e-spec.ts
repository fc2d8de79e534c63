import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options';
import { migrated } from '../src/database/migrate';
import { MIGRATIONS } from '../src/database/migrations';
import { withDb } from './support/auctions';

/**
 * Cluster members start at once on one database: the migrations must be applied exactly once,
 * whichever process gets there first, and every process must start.
 */
describe('migrations on a fresh database, run by several processes at once', () => {
  const name = `bidtape_migrate_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${name}`;
  const sources: DataSource[] = [];

  beforeAll(async () => {
    await withDb((db) => db.query(`CREATE DATABASE ${name}`));
  });
  afterAll(async () => {
    await Promise.all(sources.filter((s) => s.isInitialized).map((s) => s.destroy()));
    await withDb((db) => db.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  });

  it('applies each migration once, and every runner succeeds', async () => {
    // Each its own pool, as separate processes would have; all start migrating together.
    for (let i = 0; i < 3; i++) sources.push(await new DataSource({ ...dataSourceOptions(url.toString(), 2), migrationsRun: false }).initialize());
    await Promise.all(sources.map((source) => migrated(source)));
    const db = new Client({ connectionString: url.toString() });
    await db.connect();
    try {
      const rows = (await db.query('SELECT name FROM migrations ORDER BY id')).rows.map((r: { name: string }) => r.name);
      expect(rows).toEqual(MIGRATIONS.map((m) => m.name));
    } finally {
      await db.end();
    }
  }, 60_000);
});
