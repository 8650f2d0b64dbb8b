import {
  execute,
  ExecutionResult,
  GraphQLError,
  GraphQLID,
  GraphQLInt,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  GraphQLSchema,
  GraphQLString,
  GraphQLUnionType,
  parse,
  subscribe,
} from 'graphql';
import { executeCompiled, subscribeCompiled } from './compiled-execution';

/** A small schema with what Parley's uses: a union with resolveType, a custom scalar, arguments, a subscription. */
function schemaLike(): GraphQLSchema {
  const DateTime = new GraphQLScalarType({ name: 'DateTime', serialize: (value) => (value as Date).toISOString() });
  const Said = new GraphQLObjectType({
    name: 'Said',
    fields: {
      seq: { type: GraphQLInt },
      at: { type: DateTime },
      text: { type: GraphQLString },
      later: { type: GraphQLString, resolve: (value: { seq: number }) => Promise.resolve(`later ${value.seq}`) },
    },
  });
  const Joined = new GraphQLObjectType({ name: 'Joined', fields: { who: { type: GraphQLString } } });
  const Event = new GraphQLUnionType({
    name: 'Event',
    types: [Said, Joined],
    resolveType: (value: { kind: string }) => value.kind,
  });
  const said = { kind: 'Said', seq: 7, at: new Date('2026-11-29T10:11:12.345Z'), text: 'hi' };
  return new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: {
        event: {
          type: Event,
          args: { id: { type: new GraphQLNonNull(GraphQLID) } },
          resolve: (_root, { id }: { id: string }) => (id === 'said' ? said : { kind: 'Joined', who: 'op' }),
        },
        viewer: { type: GraphQLString, resolve: (_root, _args, context: { viewer: string }) => context.viewer },
        failing: {
          type: GraphQLString,
          resolve: () => {
            throw new GraphQLError('not yours', { extensions: { code: 'FORBIDDEN' } });
          },
        },
      },
    }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        ticks: {
          type: Event,
          args: { n: { type: new GraphQLNonNull(GraphQLInt) } },
          resolve: (payload: unknown) => payload,
          subscribe: (_root: unknown, { n }: { n: number }) => {
            if (n < 0) throw new GraphQLError('n must be positive');
            return (async function* () {
              for (let seq = 1; seq <= n; seq++) yield await Promise.resolve({ ...said, seq });
            })();
          },
        },
      },
    }),
  });
}

/** The compiled path must answer exactly what graphql-js answers, for results and for errors. */
describe('compiled execution (graphql-jit) against graphql-js', () => {
  const schema = schemaLike();
  const run = async (text: string, variableValues?: Record<string, unknown>, rootValue?: unknown) => {
    const document = parse(text);
    const args = { schema, document, variableValues, rootValue, contextValue: { viewer: 'v1' } };
    const expected = JSON.parse(JSON.stringify(await execute(args))) as ExecutionResult;
    const actual = JSON.parse(JSON.stringify(await executeCompiled(args))) as ExecutionResult;
    return { expected, actual };
  };

  it('answers the same data for unions, custom scalars, arguments from variables and the context', async () => {
    const { expected, actual } = await run(
      'query Q($id: ID!) { event(id: $id) { __typename ... on Said { seq at text } ... on Joined { who } } viewer }',
      { id: 'said' },
    );
    expect(actual).toEqual(expected);
    expect(actual.data).toEqual({ event: { __typename: 'Said', seq: 7, at: '2026-11-29T10:11:12.345Z', text: 'hi' }, viewer: 'v1' });
  });

  it('answers the same errors: a resolver that throws (with its path and extensions), a bad variable', async () => {
    const thrown = await run('{ failing }');
    expect(thrown.actual).toEqual(thrown.expected);
    expect(thrown.actual.errors?.[0]).toMatchObject({ path: ['failing'], extensions: { code: 'FORBIDDEN' } });
    const bad = await run('query Q($id: ID!) { event(id: $id) { __typename } }', {});
    expect(bad.actual.errors?.map((e) => e.message)).toEqual(bad.expected.errors?.map((e) => e.message));
  });

  it('maps every event of a subscription through the selection, and ends when the source ends', async () => {
    const document = parse('subscription S($n: Int!) { ticks(n: $n) { __typename ... on Said { seq at } } }');
    const args = { schema, document, variableValues: { n: 3 }, contextValue: {} };
    const collect = async (stream: unknown) => {
      const out: unknown[] = [];
      for await (const result of stream as AsyncIterable<ExecutionResult>) out.push(JSON.parse(JSON.stringify(result)));
      return out;
    };
    const expected = await collect(await subscribe(args));
    const actual = await collect(await subscribeCompiled(args));
    expect(actual).toEqual(expected);
    expect(actual).toHaveLength(3);
    // A selection with an asynchronous resolver: each event waits for it.
    const withLater = { ...args, document: parse('subscription S($n: Int!) { ticks(n: $n) { ... on Said { seq later } } }') };
    const later = await collect(await subscribeCompiled(withLater));
    expect(later).toEqual(await collect(await subscribe(withLater)));
    expect(later[2]).toEqual({ data: { ticks: { seq: 3, later: 'later 3' } } });
    const refused = await subscribeCompiled({ ...args, variableValues: { n: -1 } });
    expect((refused as ExecutionResult).errors?.[0].message).toBe('n must be positive');
  });

  it('refuses null for a defaulted variable used where a non-null value is required, as graphql-js does', async () => {
    const refusedBoth = async (text: string, variableValues: Record<string, unknown>) => {
      const document = parse(text);
      const byJs = await execute({ schema, document, variableValues, contextValue: { viewer: 'ada' } });
      const compiled = await executeCompiled({ schema, document, variableValues, contextValue: { viewer: 'ada' } });
      expect(byJs.errors?.length).toBeGreaterThan(0);
      expect(compiled).toEqual({ errors: [expect.objectContaining({ message: expect.stringMatching(/^Variable "\$x" must not be null/) })] });
    };
    await refusedBoth('query($x: ID = "said") { event(id: $x) { __typename } }', { x: null });
    await refusedBoth('query($x: Boolean = true) { viewer @include(if: $x) }', { x: null });
    await refusedBoth('query($x: Boolean = false) { viewer @skip(if: $x) }', { x: null });
    const subscription = { schema, document: parse('subscription($x: Int = 2) { ticks(n: $x) { __typename } }'), variableValues: { x: null }, contextValue: {} };
    expect(await subscribeCompiled(subscription)).toEqual({ errors: [expect.objectContaining({ message: expect.stringMatching(/^Variable "\$x"/) })] });
    // The default when the variable is left out, and null where null is allowed, still run.
    const document = parse('query($x: Boolean = true, $y: String = "a") { viewer @include(if: $x) echo: viewer }');
    expect(await executeCompiled({ schema, document, variableValues: { y: null }, contextValue: { viewer: 'ada' } })).toEqual({ data: { viewer: 'ada', echo: 'ada' } });
  });
});
