/**
 * Typed GraphQL documents for the Parley clients, generated from `schema.graphql` and the `.graphql`
 * operation documents in this library (see `libs/graphql/codegen.ts`). Each `…Document` is a
 * `TypedDocumentNode` carrying its result and variables types.
 */
export * from './generated/graphql';
