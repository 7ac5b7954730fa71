import { DataSource } from 'typeorm';
import { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { UNCHANGED_AS } from '../src/db/hydrate';
import { entities } from '../src/db/entities';

/** Values pg hands over, by the JavaScript type hydrate lets through as they are. */
const SAMPLES = {
  string: ['', 'abc', '12', '0', 'true', '2026-12-07', '2026-12-07 08:00:00+00', '{a,b}', 'a.b.c', '组织'],
  number: [0, 7, -3, 2.5, 1e21, Number.NaN],
  boolean: [true, false],
  date: [new Date(0), new Date('2026-12-07T08:00:00.123Z'), new Date(Number.NaN)],
};

describe('hydrate: values prepareHydratedValue would return unchanged', () => {
  const driver = new DataSource({ type: 'postgres' }).driver;

  it.each(Object.entries(UNCHANGED_AS))('%s columns keep a %s as pg gave it', (type, as) => {
    const column = { type, isArray: false } as unknown as ColumnMetadata;
    for (const value of SAMPLES[as]) expect(Object.is(driver.prepareHydratedValue(value, column), value)).toBe(true);
  });

  it('leaves out the types TypeORM converts (a Number column, a date, an enum)', () => {
    // the list is a whitelist: these must not be in it, since prepareHydratedValue changes such values
    for (const type of ['date', 'time', 'enum', 'simple-enum', 'simple-json', 'simple-array', 'json', 'jsonb', 'numeric', 'hstore'])
      expect(UNCHANGED_AS[type]).toBeUndefined();
    expect(driver.prepareHydratedValue('12.5', { type: Number, isArray: false } as unknown as ColumnMetadata)).toBe(12);
    // a timestamp given as text would become a Date: only Date instances go past it
    const timestamp = { type: 'timestamp with time zone', isArray: false } as unknown as ColumnMetadata;
    expect(driver.prepareHydratedValue('2026-12-07 08:00:00+00', timestamp)).toBeInstanceOf(Date);
  });

  it('lists the column types of the entities as TypeORM names them (the hot columns are fast)', async () => {
    const ds = new DataSource({ type: 'postgres', entities });
    // what initialize() runs before it connects
    await (ds as unknown as { buildMetadatas(): Promise<void> }).buildMetadatas();
    const used = new Set<string>();
    for (const m of ds.entityMetadatas) for (const c of m.columns) used.add(typeof c.type === 'string' ? c.type : c.type.name);
    for (const type of ['uuid', 'text', 'int', 'timestamptz', 'boolean', 'ltree', 'String']) {
      expect(used).toContain(type);
      expect(UNCHANGED_AS[type] ?? (type === 'String' ? 'string' : undefined)).toBeDefined();
    }
  });
});
