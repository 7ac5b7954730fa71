import { DataSource, LoggerOptions } from 'typeorm';
import { migrations } from '../../migrations';
import { entities } from './entities';
import { readTimestamptzQuickly } from './timestamps';

export function createDataSource(
  url: string,
  options: { poolSize?: number; logging?: LoggerOptions; applicationName?: string } = {},
): DataSource {
  readTimestamptzQuickly();
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations,
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    logging: options.logging ?? false,
    poolSize: options.poolSize ?? 20,
    applicationName: options.applicationName ?? 'party-platform',
    extra: { connectionTimeoutMillis: 5000, statement_timeout: 15000 },
  });
}
