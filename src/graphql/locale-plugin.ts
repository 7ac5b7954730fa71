import { ApolloServerPlugin } from '@apollo/server';
import { RequestContext } from './context';
import { localizeError } from './errors';

/**
 * Renders every error of a declared reason in the request's locale (Accept-Language; Chinese unless
 * the client asks for English; instants in the tenant's time zone) just before the response leaves: errors are thrown with their reason
 * and parameters, and their words are chosen here, once.
 */
export const localePlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ contextValue, response }) {
        if (response.body.kind !== 'single' || !response.body.singleResult.errors) return;
        const locale = contextValue.locale;
        response.body.singleResult.errors = response.body.singleResult.errors.map((e) =>
          localizeError({ ...e, extensions: e.extensions as Record<string, unknown> | undefined }, locale, contextValue.timeZone),
        );
      },
    };
  },
};
