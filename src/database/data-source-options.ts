import type { DataSourceOptions } from 'typeorm';
import { InstrumentEntity } from '../market/instrument.entity';
import { MIGRATIONS } from './migrations';

export const ENTITIES = [InstrumentEntity];

export function dataSourceOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsRun: true,
    synchronize: false,
    extra: { max: 10, application_name: 'bidtape' },
  };
}
