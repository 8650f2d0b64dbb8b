import { inject } from '@angular/core';
import { ApolloClient, ApolloLink, InMemoryCache } from '@apollo/client';
import { ErrorLink } from '@apollo/client/link/error';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { ErrorCode } from '@parley/shared';
import { HttpLink } from 'apollo-angular/http';
import { OperationTypeNode } from 'graphql';
import { AuthService } from './auth.service';
import { ConnectionService } from './connection.service';
import { errorCodeOf } from './request-error';

/** Path of the GraphQL endpoint on the console's own origin (the API serves both). */
export const GRAPHQL_PATH = '/graphql';

/**
 * Apollo client options for `provideApollo`: subscriptions over the shared graphql-ws client, everything
 * else over HTTP with `Authorization: Bearer <token>`. An `UNAUTHENTICATED` answer to a signed-in
 * operator (token expired or revoked) signs the operator out.
 */
export function apolloOptions(): ApolloClient.Options {
  const auth = inject(AuthService);
  const connection = inject(ConnectionService);
  const http = inject(HttpLink).create({ uri: GRAPHQL_PATH });

  const withToken = new ApolloLink((operation, forward) => {
    const token = auth.token();
    if (token) {
      operation.setContext(({ headers }: { headers?: Record<string, string> }) => ({
        headers: { ...headers, Authorization: `Bearer ${token}` },
      }));
    }
    return forward(operation);
  });

  const signOutWhenRefused = new ErrorLink(({ error, operation }) => {
    if (operation.operationName === 'LoginOperator') return;
    if (errorCodeOf(error) === ErrorCode.UNAUTHENTICATED && auth.signedIn()) auth.signOut('expired');
  });

  const link = ApolloLink.split(
    (operation) => operation.operationType === OperationTypeNode.SUBSCRIPTION,
    ApolloLink.from([signOutWhenRefused, new GraphQLWsLink(connection.client)]),
    ApolloLink.from([signOutWhenRefused, withToken, http]),
  );

  return {
    link,
    cache: new InMemoryCache(),
    queryDeduplication: false,
    defaultOptions: {
      query: { fetchPolicy: 'no-cache' },
      mutate: { fetchPolicy: 'no-cache' },
      watchQuery: { fetchPolicy: 'no-cache' },
    },
  };
}
