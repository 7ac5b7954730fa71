import { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind } from 'graphql';
import { RequestContext } from './context';
import { AppError, ErrorCode, localizeError, maskError, toAppError } from './errors';

/**
 * Opens the request's transaction when execution starts (parse and validation errors never touch the
 * database) and commits it before the response leaves, so an acknowledged write is a committed one; a
 * commit that fails turns the response into an error. A query that sent nothing that may write does
 * not wait for its COMMIT: there is nothing to lose, and the connection returns to the pool when it ends.
 */
export const transactionPlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async executionDidStart({ contextValue, operation }) {
        contextValue.readOnly = operation?.operation === 'query';
        await contextValue.tx.begin();
      },
      async willSendResponse({ contextValue, response, logger, operation }) {
        const { tx } = contextValue;
        // what the request cost the database, for tests and the bench: statements and round trips, COMMIT's included
        const count = (commitToCome: number) => {
          if (!contextValue.config.exposeStatementCount) return;
          response.http.headers.set('x-sql-statements', String(tx.statements + commitToCome));
          response.http.headers.set('x-sql-round-trips', String(tx.roundTrips + commitToCome));
        };
        if (contextValue.readOnly && tx.isOpen && !tx.mayHaveWritten) {
          count(tx.endedWithOpening ? 0 : 1);
          tx.finish(true).catch((error: unknown) => logger.warn(`commit of a read failed: ${(error as Error).message}`));
          return;
        }
        try {
          await tx.finish(true);
          count(0);
        } catch (error) {
          if (error instanceof AppError && response.body.kind === 'single') {
            // a write held back to go with COMMIT refused (RequestTransaction.hold): nothing stands, and the request
            // answers as if the field had thrown it. Only the operation's only root field gets here: a field in a
            // savepoint sends what it held with its RELEASE and is refused there.
            const root = operation?.selectionSet.selections[0];
            const path = root?.kind === Kind.FIELD ? [(root.alias ?? root.name).value] : undefined;
            const refusal = maskError({ message: error.message, path }, error);
            response.body.singleResult = { data: null, errors: [localizeError(refusal, contextValue.locale, contextValue.timeZone)] };
            return;
          }
          const known = toAppError(error);
          const code = known?.code ?? ErrorCode.SERVICE_UNAVAILABLE;
          if (response.body.kind === 'single') {
            response.body.singleResult = {
              errors: [
                new GraphQLError(known?.message ?? 'The request could not be committed, retry it', { extensions: { code } }).toJSON(),
              ],
            };
          }
          response.http.status = 503;
        }
      },
    };
  },
};
