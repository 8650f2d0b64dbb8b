import { createSourceEventStream, DocumentNode, execute, ExecutionArgs, ExecutionResult, GraphQLSchema, subscribe } from 'graphql';
import { CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';

/** Per schema, per document (as shared by `cachedParse`), per operation name: the compiled operation, or null when it does not compile. */
const compiled = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, CompiledQuery | null>>>();

function compiledFor(args: ExecutionArgs): CompiledQuery | null {
  let bySchema = compiled.get(args.schema);
  if (!bySchema) compiled.set(args.schema, (bySchema = new WeakMap()));
  let byDocument = bySchema.get(args.document);
  if (!byDocument) bySchema.set(args.document, (byDocument = new Map<string, CompiledQuery | null>()));
  const name = args.operationName ?? '';
  let query = byDocument.get(name);
  if (query === undefined) {
    const result = compileQuery(args.schema, args.document, args.operationName ?? undefined);
    // Not compilable (e.g. an unknown operation name): graphql-js answers with its own errors.
    query = isCompiledQuery(result) ? result : null;
    byDocument.set(name, query);
  }
  return query;
}

/**
 * `graphql.execute` for graphql-ws, through graphql-jit: each operation is compiled once into a
 * function (per schema, document and operation name; documents come shared from `cachedParse`, so
 * the few texts clients send are compiled once each). graphql-js's executor allocates an argument map,
 * a result map and a field collection for every field of every result; on the WebSocket path that was
 * a quarter of the API's allocations per message (bench/NOTES.md). Same resolvers, same context, same
 * results; documents are parsed and validated (limits included) before this is called.
 */
export function executeCompiled(args: ExecutionArgs): Promise<ExecutionResult> | ExecutionResult {
  const query = compiledFor(args);
  return query ? query.query(args.rootValue, args.contextValue, args.variableValues) : execute(args);
}

/**
 * `graphql.subscribe` with compiled events: graphql-js sets the subscription up
 * (`createSourceEventStream`: arguments, the field's resolver and its guards, errors), then every event
 * is mapped through the compiled selection, as graphql-js maps it through `execute`.
 */
export async function subscribeCompiled(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const query = compiledFor(args);
  if (!query) return subscribe(args) as Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult>;
  const events = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in events)) return events;
  return new CompiledEventStream(events as AsyncIterableIterator<unknown>, query, args);
}

/**
 * The events of one subscription mapped through its compiled selection. A class rather than closures:
 * every subscribed socket holds one for the life of its subscription (bench (c)).
 */
class CompiledEventStream implements AsyncIterableIterator<ExecutionResult> {
  constructor(
    private readonly source: AsyncIterableIterator<unknown>,
    private readonly query: CompiledQuery,
    private readonly args: ExecutionArgs,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    return this.source.next().then((step) => this.map(step));
  }

  return(): Promise<IteratorResult<ExecutionResult>> {
    return this.source.return ? this.source.return().then((step) => this.map(step)) : Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<ExecutionResult>> {
    if (!this.source.throw) return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    return this.source.throw(error).then((step) => this.map(step));
  }

  private async map(step: IteratorResult<unknown>): Promise<IteratorResult<ExecutionResult>> {
    if (step.done) return { value: undefined, done: true };
    return { value: await this.query.query(step.value, this.args.contextValue, this.args.variableValues), done: false };
  }
}
