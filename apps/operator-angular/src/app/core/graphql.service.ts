import { Injectable, inject } from '@angular/core';
import type { TypedDocumentNode } from '@apollo/client';
import { Apollo } from 'apollo-angular';
import { Observable, firstValueFrom } from 'rxjs';
import type { SubscriptionResult } from './live-subscription';
import { RequestError, toRequestError } from './request-error';

type Variables = Record<string, unknown>;

/**
 * The console's typed door to the API, on top of apollo-angular: queries and mutations go over HTTP and
 * resolve to their data or reject with a {@link RequestError}; subscriptions go over graphql-ws.
 * Nothing is served from Apollo's cache (`no-cache`): the stores keep the state, and an operator must
 * never see a stale answer.
 */
@Injectable({ providedIn: 'root' })
export class GraphqlService {
  private readonly apollo = inject(Apollo);

  /** Runs a query over HTTP. @throws RequestError */
  async query<TData, TVariables extends Variables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables): Promise<TData> {
    try {
      const result = await firstValueFrom(
        this.apollo.query<TData, TVariables>({ query: document, variables, fetchPolicy: 'no-cache' } as never),
      );
      if (result.error) throw toRequestError(result.error);
      if (result.data == null) throw new RequestError('The API returned no data', undefined, true);
      return result.data;
    } catch (error) {
      throw toRequestError(error);
    }
  }

  /** Runs a mutation over HTTP. @throws RequestError */
  async mutate<TData, TVariables extends Variables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables): Promise<TData> {
    try {
      const result = await firstValueFrom(
        this.apollo.mutate<TData, TVariables>({ mutation: document, variables, fetchPolicy: 'no-cache' } as never),
      );
      if (result.error) throw toRequestError(result.error);
      if (result.data == null) throw new RequestError('The API returned no data', undefined, true);
      return result.data;
    } catch (error) {
      throw toRequestError(error);
    }
  }

  /** Opens a subscription over the shared WebSocket; use it through a `LiveSubscription`. */
  subscribe<TData, TVariables extends Variables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables): Observable<SubscriptionResult<TData>> {
    return this.apollo.subscribe<TData, TVariables>({ query: document, variables, fetchPolicy: 'no-cache' } as never);
  }
}
