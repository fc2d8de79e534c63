import type { DataSource } from 'typeorm';

/** Any constant every bidtape process agrees on: the advisory lock that serializes migrations. */
const MIGRATION_LOCK = 7_366_290_114;

/**
 * Runs the pending migrations. Several processes of a cluster may start at once on one
 * database: the migrations run under a PostgreSQL advisory lock, so exactly one process applies
 * them and the others, once they get the lock, find nothing left to do.
 */
export async function migrated(dataSource: DataSource): Promise<DataSource> {
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await dataSource.runMigrations({ transaction: 'all' });
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await lock.release();
  }
  return dataSource;
}
