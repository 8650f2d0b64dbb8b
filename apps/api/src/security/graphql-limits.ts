import { ApolloArmor } from '@escape.tech/graphql-armor';

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

/**
 * Apollo plugins, validation rules and options from GraphQL Armor; batched HTTP requests are refused.
 * The token limit is Apollo's own `parseOptions.maxTokens` (graphql-js), not Armor's parser plugin: that
 * plugin throws from `parsingDidStart`, which Apollo answers with HTTP 500 for every syntax error.
 */
export function graphqlArmor() {
  const armor = new ApolloArmor({
    maxDepth: { n: GRAPHQL_LIMITS.maxDepth, ignoreIntrospection: false },
    maxAliases: { n: GRAPHQL_LIMITS.maxAliases },
    maxDirectives: { n: GRAPHQL_LIMITS.maxDirectives },
    maxTokens: { enabled: false },
    costLimit: { maxCost: GRAPHQL_LIMITS.maxCost },
    blockFieldSuggestion: { enabled: true },
  }).protect();
  return { ...armor, parseOptions: { maxTokens: GRAPHQL_LIMITS.maxTokens } };
}
