import type { ApolloServerPlugin } from '@apollo/server';
import { ErrorCode } from '@parley/shared';
import { GraphQLError, OperationTypeNode } from 'graphql';

/**
 * Refuses a subscription sent over HTTP: subscriptions are served on the WebSocket endpoint
 * (`graphql-transport-ws`, same path). Without it Apollo executed the subscription field as a query and
 * answered `INTERNAL_SERVER_ERROR`. Answers `BAD_USER_INPUT`, HTTP 400, before any resolver runs. Only a
 * request-level hook (`didResolveOperation`): no per-field hook, so Apollo keeps the resolvers unwrapped.
 */
export const subscriptionsOverWebSocketOnly: ApolloServerPlugin = {
  requestDidStart: () =>
    Promise.resolve({
      didResolveOperation: ({ operation }) => {
        if (operation?.operation !== OperationTypeNode.SUBSCRIPTION) return Promise.resolve();
        return Promise.reject(
          new GraphQLError('Subscriptions are served over WebSocket only (graphql-transport-ws on this path)', {
            extensions: { code: ErrorCode.BAD_USER_INPUT, http: { status: 400 } },
          }),
        );
      },
    }),
};
