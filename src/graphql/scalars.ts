export { DateTimeResolver as DateTimeScalar, DateResolver as DateScalar, JSONResolver as JSONScalar } from 'graphql-scalars';
