import {
  createSourceEventStream,
  DocumentNode,
  execute,
  ExecutionArgs,
  ExecutionResult,
  getOperationAST,
  getNamedType,
  GraphQLCompositeType,
  GraphQLError,
  GraphQLField,
  GraphQLOutputType,
  GraphQLSchema,
  isAbstractType,
  isInterfaceType,
  isUnionType,
  isNonNullType,
  Kind,
  OperationTypeNode,
  subscribe,
  TypeInfo,
  ValidationContext,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import { CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';
import { asError } from './as-error';
import { EventSink, isPushable, PushableEvents } from './pushable-events';

/**
 * The `extensions` entry that marks a subscription field whose `resolve` answers from the event alone,
 * reading neither the field's arguments nor the context (`resolve: (payload) => payload`), e.g. with
 * `@Extensions({ [EVENT_ONLY_RESOLVE]: true })` from `@nestjs/graphql`. Its events are then mapped once
 * per document for all its subscribers, where the document allows it (see {@link sameForEverySubscriber},
 * and what {@link readsOnlyItsValue} cannot see).
 */
export const EVENT_ONLY_RESOLVE = 'eventOnlyResolve';

/** An operation compiled once, with the variables it must refuse as null (see {@link nullRefusedVariables}). */
interface Compiled {
  query: CompiledQuery;
  nullRefused: readonly string[];
  /** Whether an event's result is the same for every subscriber of this operation ({@link sameForEverySubscriber}). */
  shared: boolean;
  /** When {@link shared}: the last event mapped and its result, for the other subscribers of the same event. */
  lastEvent?: object;
  lastResult?: Promise<ExecutionResult> | ExecutionResult;
}

/** Per schema, per document (as shared by `cachedParse`), per operation name: the compiled operation, or null when it does not compile. */
const compiled = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, Compiled | null>>>();

function compiledFor(args: ExecutionArgs): Compiled | null {
  let bySchema = compiled.get(args.schema);
  if (!bySchema) compiled.set(args.schema, (bySchema = new WeakMap()));
  let byDocument = bySchema.get(args.document);
  if (!byDocument) bySchema.set(args.document, (byDocument = new Map<string, Compiled | null>()));
  const name = args.operationName ?? '';
  let entry = byDocument.get(name);
  if (entry === undefined) {
    const result = compileQuery(args.schema, args.document, args.operationName ?? undefined);
    // Not compilable (e.g. an unknown operation name): graphql-js answers with its own errors.
    entry = isCompiledQuery(result)
      ? { query: result, nullRefused: nullRefusedVariables(args), shared: sameForEverySubscriber(args) }
      : null;
    byDocument.set(name, entry);
  }
  return entry;
}

/**
 * The variables declared nullable with a default value and used where a non-null value is required: an
 * argument or input field of a non-null type, or `@include`/`@skip`'s `if`. GraphQL allows the document
 * because of the default (spec, "All Variable Usages Are Allowed"), and graphql-js refuses an explicit
 * `null` for such a variable when it coerces the argument ("Argument … must not be null"); graphql-jit does
 * not: it hands the null to the resolver inside an input object, and drops the field (or the whole
 * operation) under `@include(if: null)`. So they are refused here, before execution.
 */
function nullRefusedVariables(args: ExecutionArgs): string[] {
  const operation = getOperationAST(args.document, args.operationName);
  if (!operation) return [];
  const context = new ValidationContext(args.schema, args.document, new TypeInfo(args.schema), () => undefined);
  const nonNullUses = new Set(
    context
      .getRecursiveVariableUsages(operation)
      .filter((usage) => usage.type !== undefined && isNonNullType(usage.type))
      .map((usage) => usage.node.name.value),
  );
  return (operation.variableDefinitions ?? [])
    .filter((definition) => definition.type.kind !== Kind.NON_NULL_TYPE && nonNullUses.has(definition.variable.name.value))
    .map((definition) => definition.variable.name.value);
}

/**
 * Whether a resolver (or a `resolveType`, an `isTypeOf`) can read nothing but the value it is given: none
 * (graphql-js reads the property, or `__typename`), or one that declares that value alone, as
 * `@nestjs/graphql` resolves a plain `@Field()` (`(root) => root[name]`). One that may read arguments or the
 * context declares them, and Nest's own (`@ResolveField`, field middleware) take them all. What a declared
 * length cannot tell: a function reading them through a rest or defaulted parameter, or reading per-request
 * state another way (AsyncLocalStorage); {@link EVENT_ONLY_RESOLVE} must not be put on a subscription whose
 * event types have such resolvers.
 */
function readsOnlyItsValue(fn: ((...args: never[]) => unknown) | undefined | null): boolean {
  return fn === undefined || fn === null || fn.length === 1;
}

/**
 * Whether the field `name` of `parent` resolves from its parent value alone on every object type it can run
 * on: an interface's field runs its implementations' resolvers, not its own. `__typename` always does.
 */
function fieldReadsOnlyItsParent(schema: GraphQLSchema, parent: GraphQLCompositeType | null | undefined, name: string): boolean {
  if (name === '__typename') return true;
  if (!parent || isUnionType(parent)) return false; // a union has no fields but `__typename`
  const types = isInterfaceType(parent) ? schema.getPossibleTypes(parent) : [parent];
  return types.every((type) => {
    const field = type.getFields()[name] as GraphQLField<unknown, unknown> | undefined;
    return field !== undefined && readsOnlyItsValue(field.resolve);
  });
}

/** Whether a value of `type` (a field's type) is told apart from the value alone: an abstract type's `resolveType` and its members' `isTypeOf`. */
function typeFromValueAlone(schema: GraphQLSchema, type: GraphQLOutputType): boolean {
  const named = getNamedType(type);
  if (!isAbstractType(named)) return true;
  return readsOnlyItsValue(named.resolveType) && schema.getPossibleTypes(named).every((member) => readsOnlyItsValue(member.isTypeOf));
}

/**
 * Whether every subscriber of this subscription gets the same result for the same event, whatever its
 * variables and context: its root field is marked {@link EVENT_ONLY_RESOLVE}, every field below it
 * resolves from its parent value alone, on every type it can run on ({@link readsOnlyItsValue}), every
 * union or interface met tells its type from the value alone, and no variable is used but in the root
 * field's arguments (which choose the events, in `subscribe`, not their shape). Anything else is mapped per
 * subscriber, as before.
 */
export function sameForEverySubscriber(args: Pick<ExecutionArgs, 'schema' | 'document' | 'operationName'>): boolean {
  const operation = getOperationAST(args.document, args.operationName);
  const root = args.schema.getSubscriptionType();
  if (operation?.operation !== OperationTypeNode.SUBSCRIPTION || !root) return false;
  const typeInfo = new TypeInfo(args.schema);
  let shared = true;
  let rootArguments = 0;
  // The whole document (its fragments included), conservatively: other operations' fields count too.
  visit(
    args.document,
    visitWithTypeInfo(typeInfo, {
      VariableDefinition: () => false, // declarations, not uses
      Field(node) {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        if (!field) shared = false;
        else if (parent === root) shared &&= field.extensions?.[EVENT_ONLY_RESOLVE] === true;
        else shared &&= fieldReadsOnlyItsParent(args.schema, parent, node.name.value);
        if (field) shared &&= typeFromValueAlone(args.schema, field.type);
      },
      Argument: {
        enter: () => void (!typeInfo.getDirective() && typeInfo.getParentType() === root && rootArguments++),
        leave: () => void (!typeInfo.getDirective() && typeInfo.getParentType() === root && rootArguments--),
      },
      Variable() {
        if (rootArguments === 0) shared = false;
      },
    }),
  );
  return shared;
}

/** `event` mapped through `entry`'s selection; once per event for all subscribers when the result is {@link Compiled.shared}. */
function mapEvent(entry: Compiled, event: unknown, args: ExecutionArgs): Promise<ExecutionResult> | ExecutionResult {
  if (!entry.shared || typeof event !== 'object' || event === null) return entry.query.query(event, args.contextValue, args.variableValues);
  if (entry.lastEvent !== event) {
    entry.lastResult = entry.query.query(event, args.contextValue, args.variableValues);
    entry.lastEvent = event;
  }
  return entry.lastResult as Promise<ExecutionResult> | ExecutionResult;
}

/** The request error for a null given to one of `entry`'s {@link nullRefusedVariables}, if any (no `data`: `BAD_USER_INPUT`). */
function refusedNull(entry: Compiled, variables: ExecutionArgs['variableValues']): ExecutionResult | undefined {
  const name = entry.nullRefused.find((variable) => variables?.[variable] === null);
  if (name === undefined) return undefined;
  return { errors: [new GraphQLError(`Variable "$${name}" must not be null: it is used where a non-null value is required.`)] };
}

/**
 * `graphql.execute` for graphql-ws, through graphql-jit: each operation is compiled once into a
 * function (per schema, document and operation name; documents come shared from `cachedParse`, so
 * the few texts clients send are compiled once each). graphql-js's executor allocates an argument map,
 * a result map and a field collection for every field of every result; on the WebSocket path that was
 * a quarter of the API's allocations per message (bench/NOTES.md). Same resolvers, same context, same
 * results; documents are parsed and validated (limits included) before this is called. A null given to a
 * variable graphql-js would refuse it for ({@link nullRefusedVariables}) is refused here as a request error.
 */
export function executeCompiled(args: ExecutionArgs): Promise<ExecutionResult> | ExecutionResult {
  const entry = compiledFor(args);
  if (!entry) return execute(args);
  return refusedNull(entry, args.variableValues) ?? entry.query.query(args.rootValue, args.contextValue, args.variableValues);
}

/**
 * `graphql.subscribe` with compiled events: graphql-js sets the subscription up
 * (`createSourceEventStream`: arguments, the field's resolver and its guards, errors), then every event
 * is mapped through the compiled selection, as graphql-js maps it through `execute`. When the
 * resolver's stream can push ({@link PushableEvents}), so can the result: mapped events then reach the
 * sink in the order they came, each as soon as its selection has run.
 */
export async function subscribeCompiled(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const entry = compiledFor(args);
  if (!entry) return subscribe(args) as Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult>;
  const refused = refusedNull(entry, args.variableValues);
  if (refused) return refused;
  const events = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in events)) return events;
  if (isPushable(events)) return new PushableCompiledEventStream(events, entry, args);
  return new CompiledEventStream(events as AsyncIterableIterator<unknown>, entry, args);
}

/**
 * The events of one subscription mapped through its compiled selection. A class rather than closures:
 * every subscribed socket holds one for the life of its subscription (bench (c)).
 */
class CompiledEventStream implements AsyncIterableIterator<ExecutionResult> {
  constructor(
    protected readonly source: AsyncIterableIterator<unknown>,
    protected readonly entry: Compiled,
    protected readonly args: ExecutionArgs,
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
    if (!this.source.throw) return Promise.reject(asError(error));
    return this.source.throw(error).then((step) => this.map(step));
  }

  private async map(step: IteratorResult<unknown>): Promise<IteratorResult<ExecutionResult>> {
    if (step.done) return { value: undefined, done: true };
    return { value: await mapEvent(this.entry, step.value, this.args), done: false };
  }
}

/**
 * A {@link CompiledEventStream} over a stream that pushes. An event whose selection runs synchronously
 * (no resolver returned a promise) goes to the sink at once; otherwise it, and every event and the end
 * after it, wait their turn, so the sink sees them in the source's order.
 */
class PushableCompiledEventStream extends CompiledEventStream implements PushableEvents<ExecutionResult> {
  /** The last event still being mapped (undefined when none is): what the next one waits for. */
  private tail?: Promise<void>;

  constructor(source: PushableEvents<unknown>, entry: Compiled, args: ExecutionArgs) {
    super(source, entry, args);
  }

  pushTo(sink: EventSink<ExecutionResult>): void {
    (this.source as PushableEvents<unknown>).pushTo({
      next: (event) => {
        if (this.tail) return this.after(() => this.run(event), sink);
        const result = this.run(event);
        if (isPromise(result)) this.after(() => result, sink);
        else sink.next(result);
      },
      end: (error) => (this.tail ? void this.tail.then(() => sink.end(error)) : sink.end(error)),
    });
  }

  private run(event: unknown): Promise<ExecutionResult> | ExecutionResult {
    return mapEvent(this.entry, event, this.args);
  }

  /** Maps an event after the ones before it, then hands it to `sink` (a failure of either ends the sink). */
  private after(map: () => Promise<ExecutionResult> | ExecutionResult, sink: EventSink<ExecutionResult>): void {
    const tail: Promise<void> = (this.tail ?? Promise.resolve())
      .then(map)
      .then((result) => sink.next(result))
      .catch((error: unknown) => sink.end(asError(error)))
      .finally(() => {
        if (this.tail === tail) this.tail = undefined; // nothing queued behind it: the next event runs at once
      });
    this.tail = tail;
  }
}

function isPromise<T>(value: Promise<T> | T): value is Promise<T> {
  return typeof (value as Promise<T> | null)?.then === 'function';
}
