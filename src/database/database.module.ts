import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { DataSourceOptions } from 'typeorm';
import { dataSourceOptions } from './data-source-options';
import { migrated } from './migrate';

/**
 * TypeORM on PostgreSQL; pending migrations run on start (under a lock, see migrate.ts), the
 * schema is never synchronized.
 */
@Module({})
export class DatabaseModule {
  static forRoot(databaseUrl: string, poolSize: number): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => Object.assign(dataSourceOptions(databaseUrl, poolSize), { migrationsRun: false, retryAttempts: 3, retryDelay: 1000 }),
          dataSourceFactory: async (options) => migrated(await new DataSource(options as DataSourceOptions).initialize()),
        }),
      ],
    };
  }
}
