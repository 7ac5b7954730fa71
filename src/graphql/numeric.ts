import { ValueTransformer } from 'typeorm';

/** PostgreSQL numeric arrives as a string (to keep precision); our scores fit a double. */
export const numeric: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null || value === undefined ? null : Number(value)),
};
