// How the API words the documents it refuses before running them: GraphQL Armor's limits say which limit and
// how far over (not "Syntax Error: …": the document parsed), aliases of __typename count like any other, and
// with introspection off the refusal names Parley's GRAPHQL_INTROSPECTION (not an ApolloServer option).
// Each on HTTP and WebSocket alike, with the code the README documents (BAD_USER_INPUT).
import { GqlResult, gql, wsClient, wsExecute } from './support/api-client';
import { startTestApi, TestApi } from './support/test-app';

const aliasesOf = (field: string, count: number) => `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ')} }`;

describe('GraphQL refusals: limits and introspection, on HTTP and WebSocket', () => {
  let api: TestApi;
  let production: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
    production = await startTestApi({ NODE_ENV: 'production', JWT_SECRET: 'p'.repeat(40), PUBLIC_URL: 'https://chat.example.com' });
  });
  afterAll(async () => {
    await api?.close();
    await production?.close();
  });

  /** The document's answer over HTTP and over WebSocket. */
  async function bothWays(target: TestApi, query: string): Promise<GqlResult[]> {
    const ws = wsClient(target.wsUrl);
    try {
      return [await gql(target.httpUrl, query), await wsExecute(ws, query)];
    } finally {
      await ws.dispose();
    }
  }

  it.each([
    ['11 aliases', aliasesOf('visitorMe { id }', 11), 'The document has 11 aliases, over the limit of 10'],
    ['11 aliases of __typename (counted too)', aliasesOf('__typename', 11), 'The document has 11 aliases, over the limit of 10'],
    ['21 directives', `{ ${'__typename @include(if: true) '.repeat(21)} }`, 'The document has 21 directives, over the limit of 20'],
    [
      'a depth of 30',
      `{ __schema { types { fields { type ${'{ ofType '.repeat(25)}{ name }${' }'.repeat(25)} } } } }`,
      'The document has a depth of 30, over the limit of 25',
    ],
    [
      'a cost over 5000',
      '{ session(id: "00000000-0000-0000-0000-000000000000") { messages(first: 2000) { id seq content } } }',
      expect.stringMatching(/^The document has a cost of \d+, over the limit of 5000$/),
    ],
  ])('%s: BAD_USER_INPUT saying which limit, without "Syntax Error"', async (_what, query, message) => {
    for (const answer of await bothWays(api, query)) {
      expect(answer.data).toBeUndefined();
      expect(answer.errors).toEqual([expect.objectContaining({ message, extensions: { code: 'BAD_USER_INPUT' } })]);
    }
  });

  it('accepts 10 aliases, __typename ones included', async () => {
    for (const answer of await bothWays(api, aliasesOf('__typename', 10))) {
      expect(answer.errors).toBeUndefined();
      expect(Object.keys(answer.data!)).toHaveLength(10);
    }
  });

  it('with introspection off (production), refuses it naming GRAPHQL_INTROSPECTION, and answers other documents', async () => {
    for (const field of ['__schema { queryType { name } }', '__type(name: "Query") { name }']) {
      for (const answer of await bothWays(production, `{ ${field} }`)) {
        expect(answer.errors).toHaveLength(1);
        expect(answer.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT' });
        expect(answer.errors![0].message).toMatch(/^Introspection is turned off on this server, and the document asks for "__(schema|type)"; .*GRAPHQL_INTROSPECTION=true$/);
        expect(answer.errors![0].message).not.toMatch(/ApolloServer/);
      }
    }
    for (const answer of await bothWays(production, '{ __typename }')) expect(answer).toEqual({ data: { __typename: 'Query' } });
    // On where it is on (the default outside production).
    for (const answer of await bothWays(api, '{ __schema { queryType { name } } }')) expect(answer.errors).toBeUndefined();
  });
});
