import { FindOptionsWhere, ObjectLiteral, Repository } from 'typeorm';
import { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';

/**
 * The row with `key` (the columns of a unique index), inserted with `values` when there is none. A
 * concurrent request that inserts it first is not an error: `INSERT … ON CONFLICT DO NOTHING`, then the
 * row is read again, so every caller gets the one row. The values go to TypeORM as a copy (it writes the
 * generated id into what it is given, and the key is read with afterwards).
 */
export async function findOrInsert<E extends ObjectLiteral>(
  repo: Repository<E>,
  key: FindOptionsWhere<E> & QueryDeepPartialEntity<E>,
  values: QueryDeepPartialEntity<E> = {},
): Promise<E> {
  const found = await repo.findOneBy(key);
  if (found) return found;
  await repo
    .createQueryBuilder()
    .insert()
    .values({ ...key, ...values } as QueryDeepPartialEntity<E>)
    .orIgnore()
    .execute();
  return repo.findOneByOrFail(key);
}
