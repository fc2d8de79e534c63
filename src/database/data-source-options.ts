import type { DataSourceOptions } from 'typeorm';
import { InstrumentEntity } from '../market/instrument.entity';
import { MIGRATIONS } from './migrations';

export const ENTITIES = [InstrumentEntity];

export function dataSourceOptions(url: string, poolSize = 10): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsRun: true,
    synchronize: false,
    extra: { max: poolSize, application_name: 'bidtape' },
  };
}
