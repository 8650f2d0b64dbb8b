import { DocumentNode, GraphQLError, GraphQLSchema, parse, ParseOptions, validate, ValidationRule } from 'graphql';

/** How many distinct operation texts {@link cachedParse} keeps (clients send a handful, over and over). */
const PARSED_CACHE_SIZE = 500;

const parsed = new Map<string, DocumentNode>();
/** Stands for "graphql-js's specified rules" (no `rules` argument) as a cache key. */
const ALL: readonly ValidationRule[] = [];
const validated = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, WeakMap<readonly ValidationRule[], readonly GraphQLError[]>>>();

/**
 * `graphql.parse` remembering the last {@link PARSED_CACHE_SIZE} operation texts. A WebSocket client
 * sends the same few documents for every message; parsing and validating each again was a fifth of the
 * API's CPU under load. Syntax errors are not remembered (they throw, as `parse` does).
 * The returned document is shared: callers must not mutate it (graphql-js never does).
 */
export function cachedParse(source: string, options?: ParseOptions): DocumentNode {
  const key = options?.maxTokens === undefined ? source : `${options.maxTokens}\u0000${source}`;
  const hit = parsed.get(key);
  if (hit) return hit;
  const document = parse(source, options);
  if (parsed.size >= PARSED_CACHE_SIZE) parsed.delete(parsed.keys().next().value!);
  parsed.set(key, document);
  return document;
}

/**
 * `graphql.validate` remembering its answer per schema, document (as returned by {@link cachedParse})
 * and rule list: the same document against the same schema and rules always validates the same way.
 */
export function cachedValidate(schema: GraphQLSchema, document: DocumentNode, rules?: readonly ValidationRule[]): readonly GraphQLError[] {
  let bySchema = validated.get(schema);
  if (!bySchema) validated.set(schema, (bySchema = new WeakMap()));
  let byDocument = bySchema.get(document);
  if (!byDocument) bySchema.set(document, (byDocument = new WeakMap()));
  const key = rules ?? ALL;
  const hit = byDocument.get(key);
  if (hit) return hit;
  const errors = rules ? validate(schema, document, rules) : validate(schema, document);
  byDocument.set(key, errors);
  return errors;
}

const interned = new Map<string, string>();

/**
 * One shared string per distinct operation text: returns the first string seen with the same
 * characters. graphql-ws keeps a subscription's message for as long as it runs, so 10,000 widgets
 * subscribed with the same document kept 10,000 copies of its text (about 550 bytes each); called from
 * `onSubscribe` on `payload.query`, they share one. Keeps at most {@link PARSED_CACHE_SIZE} texts.
 * (Not a `JSON.parse` reviver: a reviver is called for every key of every message and made parsing
 * three times slower.)
 */
export function internQueryText(text: string): string {
  const known = interned.get(text);
  if (known !== undefined) return known;
  if (interned.size >= PARSED_CACHE_SIZE) interned.delete(interned.keys().next().value!);
  interned.set(text, text);
  return text;
}
