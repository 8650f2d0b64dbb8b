import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, ValidationRule } from 'graphql';

/**
 * Query limits enforced by GraphQL Armor (Escape) on HTTP and WebSocket alike. Our own operations need
 * depth 4; graphql-js's standard introspection query (as GraphiQL and codegen send it) needs 21, and
 * introspection is counted too, since it is the usual way to build deep documents.
 */
export const GRAPHQL_LIMITS = {
  maxDepth: 25,
  maxAliases: 10,
  maxDirectives: 20,
  maxTokens: 2000,
  maxCost: 5000,
} as const;

/** The callbacks a GraphQL Armor protection takes (`@escape.tech/graphql-armor-types`, not a dependency of ours). */
type ArmorCallbacks = Pick<NonNullable<NonNullable<ConstructorParameters<typeof ApolloArmor>[0]>['maxAliases']>, 'propagateOnRejection' | 'onReject'>;

/** Armor's wording of a limit it refused: `Aliases limit of 10 exceeded, found 11.` (after its `Syntax Error: `). */
const ARMOR_REFUSAL = /limit of (\d+) exceeded, found (\d+)/;

/**
 * How a GraphQL Armor protection refuses a document: instead of Armor's own error, thrown with the words
 * `Syntax Error: ` before it (the document parsed; a limit is not a syntax error), a validation error reported
 * the way graphql-js' rules report theirs, saying what is over which limit, e.g. `The document has 11 aliases,
 * over the limit of 10`. Like every validation error it reaches the client as `BAD_USER_INPUT`
 * (`formatGraphQLError`; over WebSocket `WsGuardrails`).
 * @param what what the document has, in words, from the count Armor found (`11` → `11 aliases`)
 */
function refusedAs(what: (found: string) => string): ArmorCallbacks {
  return {
    propagateOnRejection: false,
    onReject: [
      (context, error) => {
        const counts = ARMOR_REFUSAL.exec(error.message);
        const message = counts
          ? `The document has ${what(counts[2])}, over the limit of ${counts[1]}`
          : error.message.replace(/^Syntax Error: /, '');
        context?.reportError(new GraphQLError(message));
      },
    ],
  };
}

/**
 * Apollo plugins, validation rules and options from GraphQL Armor; batched HTTP requests are refused.
 * The token limit is Apollo's own `parseOptions.maxTokens` (graphql-js), not Armor's parser plugin: that
 * plugin throws from `parsingDidStart`, which Apollo answers with HTTP 500 for every syntax error.
 * Aliases of `__typename` count like any other (Armor leaves them out by default): 30 of them cost as much
 * to answer and to log as 30 of any field.
 */
export function graphqlArmor() {
  const armor = new ApolloArmor({
    maxDepth: { n: GRAPHQL_LIMITS.maxDepth, ignoreIntrospection: false, ...refusedAs((n) => `a depth of ${n}`) },
    maxAliases: { n: GRAPHQL_LIMITS.maxAliases, allowList: [], ...refusedAs((n) => `${n} aliases`) },
    maxDirectives: { n: GRAPHQL_LIMITS.maxDirectives, ...refusedAs((n) => `${n} directives`) },
    maxTokens: { enabled: false },
    costLimit: { maxCost: GRAPHQL_LIMITS.maxCost, ...refusedAs((n) => `a cost of ${n}`) },
    blockFieldSuggestion: { enabled: true },
  }).protect();
  return { ...armor, parseOptions: { maxTokens: GRAPHQL_LIMITS.maxTokens } };
}

/**
 * The validation rule that refuses introspection (`__schema`, `__type`) when `GRAPHQL_INTROSPECTION` is off
 * (the default with `NODE_ENV=production`), on HTTP and WebSocket alike, with a message naming Parley's
 * setting: Apollo's own rule (its `introspection: false`) tells users to "pass introspection: true to
 * ApolloServer", which no Parley deployer can. `BAD_USER_INPUT`, as any validation error.
 */
export const introspectionOff: ValidationRule = (context) => ({
  Field(node) {
    const field = node.name.value;
    if (field !== '__schema' && field !== '__type') return;
    context.reportError(
      new GraphQLError(
        `Introspection is turned off on this server, and the document asks for "${field}"; its operator can turn it on with GRAPHQL_INTROSPECTION=true`,
        { nodes: node },
      ),
    );
  },
});
