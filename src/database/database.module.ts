import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { DataSourceOptions } from 'typeorm';
import { dataSourceOptions } from './data-source-options';

/** Any constant both sides agree on: the advisory lock that serializes migrations. */
const MIGRATION_LOCK = 7_366_290_114;

/**
 * TypeORM on PostgreSQL; pending migrations run on start, the schema is never synchronized.
 * Several processes of a cluster may start at once on one database: the migrations run under
 * a PostgreSQL advisory lock, so exactly one process applies them and the others find them done.
 */
@Module({})
export class DatabaseModule {
  static forRoot(databaseUrl: string, poolSize: number): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({ ...dataSourceOptions(databaseUrl, poolSize), migrationsRun: false, retryAttempts: 3, retryDelay: 1000 }),
          dataSourceFactory: async (options) => migrated(await new DataSource(options as DataSourceOptions).initialize()),
        }),
      ],
    };
  }
}

async function migrated(dataSource: DataSource): Promise<DataSource> {
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
