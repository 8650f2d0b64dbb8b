// Automatic persisted queries, Apollo's APQ protocol (Apollo Server docs, "Automatic persisted queries"): a
// client sends a document's SHA-256 alone, and its text only when the server answers that it does not know
// the hash (`PERSISTED_QUERY_NOT_FOUND`). Driven here by Apollo Client's own PersistedQueryLink over HTTP.
import { ApolloClient, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { createHash } from 'node:crypto';
import { givenVisitor, startTestApi, TestApi } from './support/test-app';

jest.setTimeout(30_000);

const MY_SESSIONS = gql`
  query MySessions {
    mySessions {
      nodes {
        id
      }
    }
  }
`;

interface Sent {
  query?: string;
  extensions?: { persistedQuery?: { version: number; sha256Hash: string } };
}

/** An Apollo Client with APQ on `api` as a visitor, and the request bodies it sent. */
function persistedQueryClient(api: TestApi, token: string) {
  const sent: Sent[] = [];
  const recordingFetch: typeof fetch = (input, init) => {
    sent.push(JSON.parse(init?.body as string) as Sent); // HttpLink posts JSON text
    return fetch(input, init);
  };
  const link = new PersistedQueryLink({ sha256: (text: string) => createHash('sha256').update(text).digest('hex') }).concat(
    new HttpLink({ uri: `${api.httpUrl}/graphql`, fetch: recordingFetch, headers: { authorization: `Bearer ${token}` } }),
  );
  return { client: new ApolloClient({ link, cache: new InMemoryCache() }), sent };
}

describe('automatic persisted queries over HTTP (Apollo Client)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('answers an unknown hash with PERSISTED_QUERY_NOT_FOUND, so the client sends the text once; the hash alone serves after that', async () => {
    const visitor = await givenVisitor(api);
    const first = persistedQueryClient(api, visitor.token);
    const { data, error } = await first.client.query({ query: MY_SESSIONS, fetchPolicy: 'network-only' });
    expect(error).toBeUndefined();
    expect(data).toEqual({ mySessions: { __typename: 'ChatSessionPage', nodes: [] } });
    // The hash alone, answered PERSISTED_QUERY_NOT_FOUND; then the hash with the text.
    expect(first.sent.map((body) => [body.query !== undefined, body.extensions?.persistedQuery?.sha256Hash !== undefined])).toEqual([
      [false, true],
      [true, true],
    ]);

    const second = persistedQueryClient(api, visitor.token);
    const again = await second.client.query({ query: MY_SESSIONS, fetchPolicy: 'network-only' });
    expect(again.data).toEqual(data);
    expect(second.sent.map((body) => body.query)).toEqual([undefined]);
  });

  it('answers an unknown hash sent alone with PERSISTED_QUERY_NOT_FOUND, over plain HTTP', async () => {
    const visitor = await givenVisitor(api);
    const response = await fetch(`${api.httpUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${visitor.token}` },
      body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }),
    });
    const body = (await response.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
    expect(body.errors).toEqual([{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }]);
  });

  it('answers a hash that does not match its text, or a version other than 1, 400 BAD_USER_INPUT with what is wrong', async () => {
    const visitor = await givenVisitor(api);
    const post = async (persistedQuery: unknown) => {
      const response = await fetch(`${api.httpUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${visitor.token}` },
        body: JSON.stringify({ query: '{ __typename }', extensions: { persistedQuery } }),
      });
      return [response.status, await response.json()];
    };
    const refusal = (message: string) => [400, { errors: [{ message, extensions: { code: 'BAD_USER_INPUT' } }] }];
    expect(await post({ version: 1, sha256Hash: 'b'.repeat(64) })).toEqual(refusal('provided sha does not match query'));
    expect(await post({ version: 2, sha256Hash: 'b'.repeat(64) })).toEqual(refusal('Unsupported persisted query version'));
  });
});
