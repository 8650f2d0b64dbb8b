import {
  execute,
  ExecutionResult,
  GraphQLError,
  GraphQLID,
  GraphQLInt,
  GraphQLInterfaceType,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  GraphQLSchema,
  GraphQLString,
  GraphQLUnionType,
  parse,
  subscribe,
} from 'graphql';
import { EVENT_ONLY_RESOLVE, executeCompiled, sameForEverySubscriber, subscribeCompiled } from './compiled-execution';
import { EventSink, isPushable, PushableEvents } from './pushable-events';

/** How often the `shared` subscription field's `resolve` ran. */
const sharedResolves = { count: 0 };

/** A small schema with what Parley's uses: a union with resolveType, a custom scalar, arguments, a subscription. */
function schemaLike(): GraphQLSchema {
  const DateTime = new GraphQLScalarType({ name: 'DateTime', serialize: (value) => (value as Date).toISOString() });
  const Node = new GraphQLInterfaceType({ name: 'Node', fields: { secret: { type: GraphQLString } } });
  const Said = new GraphQLObjectType<{ kind?: string; seq: number; text?: string }>({
    name: 'Said',
    interfaces: [Node],
    isTypeOf: (value: { kind?: string }) => value.kind === 'Said',
    fields: {
      seq: { type: GraphQLInt },
      at: { type: DateTime },
      text: { type: GraphQLString },
      // As @nestjs/graphql resolves a plain @Field().
      byParent: { type: GraphQLString, resolve: (value: { text?: string }) => value.text },
      // Differs from one subscriber to the next.
      seenBy: { type: GraphQLString, resolve: (_value: unknown, _args: unknown, context: unknown) => (context as { viewer?: string }).viewer },
      // Node's field, resolved here for each subscriber.
      secret: { type: GraphQLString, resolve: (_value: unknown, _args: unknown, context: unknown) => `for ${(context as { viewer?: string }).viewer}` },
      // Asynchronous; the first event's takes longest, so events that overtook one another would show it.
      later: {
        type: GraphQLString,
        resolve: (value: { seq: number }) => new Promise((resolve) => setTimeout(() => resolve(`later ${value.seq}`), value.seq === 1 ? 30 : 0)),
      },
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
        pushed: {
          type: Event,
          resolve: (payload: unknown) => payload,
          subscribe: (_root: unknown, _args: unknown, context: { source: TestPushable }) => context.source,
        },
        // Marked, of an interface type whose field runs Said's resolver.
        sharedNode: {
          type: Node,
          extensions: { [EVENT_ONLY_RESOLVE]: true },
          resolve: (payload: unknown) => payload,
          subscribe: (_root: unknown, _args: unknown, context: { source: TestPushable }) => context.source,
        },
        // Marked, of a union that picks its type from the context.
        sharedByViewer: {
          type: new GraphQLUnionType({
            name: 'ByViewer',
            types: [Said, Joined],
            resolveType: (_value: unknown, context: { viewer?: string }) => (context.viewer === 'op' ? 'Joined' : 'Said'),
          }),
          extensions: { [EVENT_ONLY_RESOLVE]: true },
          resolve: (payload: unknown) => payload,
          subscribe: (_root: unknown, _args: unknown, context: { source: TestPushable }) => context.source,
        },
        // As `pushed`, marked as answering from the event alone; counts its calls.
        shared: {
          type: Event,
          args: { tag: { type: GraphQLString } },
          extensions: { [EVENT_ONLY_RESOLVE]: true },
          resolve: (payload: unknown) => {
            sharedResolves.count++;
            return payload;
          },
          subscribe: (_root: unknown, _args: unknown, context: { source: TestPushable }) => context.source,
        },
      },
    }),
  });
}

/** A pushing source the test drives: `emit` hands an event to the sink, `finish` ends it. */
class TestPushable implements PushableEvents<unknown> {
  private sink?: EventSink<unknown>;
  returned = false;
  [Symbol.asyncIterator](): this {
    return this;
  }
  next(): Promise<IteratorResult<unknown>> {
    return Promise.reject(new Error('a pushing source is not pulled here'));
  }
  return(): Promise<IteratorResult<unknown>> {
    this.returned = true;
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }
  pushTo(sink: EventSink<unknown>): void {
    this.sink = sink;
  }
  emit(event: unknown): void {
    this.sink?.next(event);
  }
  finish(error?: Error): void {
    this.sink?.end(error);
  }
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

  it('pushes mapped events when its source pushes: a synchronous selection at once, an asynchronous one in order, the end last', async () => {
    const ticks = await subscribeCompiled({ schema, document: parse('subscription { ticks(n: 1) { __typename } }'), contextValue: {} });
    expect(isPushable(ticks)).toBe(false); // a source that only yields is pulled

    const log: unknown[] = [];
    const recorder: EventSink<ExecutionResult> = { next: (result) => log.push(JSON.parse(JSON.stringify(result))), end: (error) => log.push(error ?? 'end') };
    const at = new Date('2026-11-29T10:11:12.345Z');
    const source = new TestPushable();
    const stream = await subscribeCompiled({ schema, document: parse('subscription { pushed { ... on Said { seq at } } }'), contextValue: { source } });
    if (!isPushable<ExecutionResult>(stream)) throw new Error('expected a pushable stream');
    stream.pushTo(recorder);
    source.emit({ kind: 'Said', seq: 1, at });
    expect(log).toEqual([{ data: { pushed: { seq: 1, at: at.toISOString() } } }]); // in the emitter's tick
    await stream.return();
    expect(source.returned).toBe(true);
    expect(log.at(-1)).toBe('end');

    log.length = 0;
    const slow = new TestPushable();
    const text = 'subscription { pushed { ... on Said { seq later } ... on Joined { who } } }';
    const mixed = (await subscribeCompiled({ schema, document: parse(text), contextValue: { source: slow } })) as PushableEvents<ExecutionResult>;
    mixed.pushTo(recorder);
    slow.emit({ kind: 'Said', seq: 1 }); // its selection resolves last
    slow.emit({ kind: 'Joined', who: 'op' }); // synchronous, yet after the one before it
    slow.emit({ kind: 'Said', seq: 2 });
    slow.finish(); // the end waits for them too
    expect(log).toEqual([]);
    for (let i = 0; i < 50 && log.length < 4; i++) await new Promise((r) => setTimeout(r, 10));
    expect(log).toEqual([
      { data: { pushed: { seq: 1, later: 'later 1' } } },
      { data: { pushed: { who: 'op' } } },
      { data: { pushed: { seq: 2, later: 'later 2' } } },
      'end',
    ]);

    // A sink that throws on an event mapped asynchronously ends the stream with that error.
    const failing = new TestPushable();
    const failed = (await subscribeCompiled({ schema, document: parse(text), contextValue: { source: failing } })) as PushableEvents<ExecutionResult>;
    const failLog: unknown[] = [];
    failed.pushTo({
      next: () => {
        throw new Error('cannot send');
      },
      end: (error) => failLog.push(error?.message ?? 'end'),
    });
    failing.emit({ kind: 'Said', seq: 2 });
    for (let i = 0; i < 50 && failLog.length < 1; i++) await new Promise((r) => setTimeout(r, 10));
    expect(failLog).toEqual(['cannot send']);

    // Once nothing is queued, a synchronous selection goes at once again.
    const again = new TestPushable();
    const next = (await subscribeCompiled({ schema, document: parse(text), contextValue: { source: again } })) as PushableEvents<ExecutionResult>;
    log.length = 0;
    next.pushTo(recorder);
    again.emit({ kind: 'Said', seq: 2 });
    for (let i = 0; i < 50 && log.length < 1; i++) await new Promise((r) => setTimeout(r, 10));
    again.emit({ kind: 'Joined', who: 'after the tail' });
    expect(log.at(-1)).toEqual({ data: { pushed: { who: 'after the tail' } } });
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

describe('one mapping per event for the subscribers of one document', () => {
  const schema = schemaLike();
  const shared = (text: string) => sameForEverySubscriber({ schema, document: parse(text) });

  it('is used only where the result cannot depend on the subscriber', () => {
    expect(shared('subscription S($tag: String) { shared(tag: $tag) { __typename ... on Said { seq at text } ...J } } fragment J on Joined { who }')).toBe(true);
    expect(shared('subscription { pushed { __typename } }')).toBe(false); // a root field not marked
    expect(shared('subscription { shared { ... on Said { text byParent } } }')).toBe(true); // a resolver reading its parent alone
    expect(shared('subscription { shared { ... on Said { seenBy } } }')).toBe(false); // a resolver that may read more
    expect(shared('subscription { shared { ...L } } fragment L on Said { seenBy }')).toBe(false); // in a fragment too
    expect(shared('subscription S($x: Boolean!) { shared { ... on Said { seq @include(if: $x) } } }')).toBe(false); // a variable below the root
    expect(shared('subscription S($x: Boolean!) { shared @include(if: $x) { __typename } }')).toBe(false); // in a root directive
    expect(shared('query { viewer }')).toBe(false);
    expect(shared('subscription { sharedNode { __typename } }')).toBe(true);
    expect(shared('subscription { sharedNode { secret } }')).toBe(false); // an interface's field runs each type's resolver
    expect(shared('subscription { sharedByViewer { __typename } }')).toBe(false); // a type told by the context
  });

  it('maps an event once for all subscribers of a shared document, and for each one otherwise', async () => {
    const subscribers = async (text: string, count: number) => {
      const document = parse(text); // one document, as cachedParse shares it between sockets
      const got: ExecutionResult[][] = [];
      const sources: TestPushable[] = [];
      for (let i = 0; i < count; i++) {
        const source = new TestPushable();
        const variableValues = { tag: `t${i}`, x: i % 2 === 0 };
        const stream = await subscribeCompiled({ schema, document, variableValues, contextValue: { source } });
        if (!isPushable<ExecutionResult>(stream)) throw new Error('expected a pushable stream');
        const results: ExecutionResult[] = [];
        stream.pushTo({ next: (result) => results.push(result), end: () => undefined });
        got.push(results);
        sources.push(source);
      }
      return { got, emit: (event: unknown) => sources.forEach((source) => source.emit(event)) };
    };
    const at = new Date('2026-11-29T10:11:12.345Z');

    sharedResolves.count = 0;
    const three = await subscribers('subscription S($tag: String) { shared(tag: $tag) { ... on Said { seq at } } }', 3);
    three.emit({ kind: 'Said', seq: 1, at });
    three.emit({ kind: 'Said', seq: 2, at });
    expect(sharedResolves.count).toBe(2); // once per event, not once per subscriber
    expect(three.got.map((results) => results.map((result) => JSON.parse(JSON.stringify(result))))).toEqual(
      Array.from({ length: 3 }, () => [{ data: { shared: { seq: 1, at: at.toISOString() } } }, { data: { shared: { seq: 2, at: at.toISOString() } } }]),
    );
    expect(three.got[1][0]).toBe(three.got[0][0]);
    expect(three.got[2][1]).toBe(three.got[0][1]);

    sharedResolves.count = 0;
    const own = await subscribers('subscription S($x: Boolean!) { shared { ... on Said { seq @include(if: $x) } } }', 2);
    own.emit({ kind: 'Said', seq: 3, at });
    expect(sharedResolves.count).toBe(2);
    // Each subscriber's own variables shape its result.
    expect(own.got.map((results) => results.map((result) => result.data))).toEqual([[{ shared: { seq: 3 } }], [{ shared: {} }]]);
  });
});
