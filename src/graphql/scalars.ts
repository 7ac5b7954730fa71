import { GraphQLScalarType } from 'graphql';
import { DateResolver } from 'graphql-scalars';

export { DateTimeResolver as DateTimeScalar, JSONResolver as JSONScalar } from 'graphql-scalars';

/** PostgreSQL's `date` has no year 0 (1 BC comes before 0001): such a date is refused where it is coerced, naming its field. */
function fromYearOne(value: unknown): unknown {
  if (value instanceof Date && value.getUTCFullYear() < 1) throw new TypeError('Date cannot represent a year before 0001');
  return value;
}

/** graphql-scalars' `Date` (YYYY-MM-DD), refusing a year before 0001 as input. */
export const DateScalar = new GraphQLScalarType({
  ...DateResolver.toConfig(),
  parseValue: (value) => fromYearOne(DateResolver.parseValue(value)),
  parseLiteral: (ast, variables) => fromYearOne(DateResolver.parseLiteral(ast, variables)),
});
