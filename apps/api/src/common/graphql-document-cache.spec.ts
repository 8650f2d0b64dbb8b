import { buildSchema, NoUnusedVariablesRule } from 'graphql';
import { cachedParse, cachedValidate, internQueryText } from './graphql-document-cache';

describe('GraphQL document cache', () => {
  const schema = buildSchema('type Query { hello(name: String): String }');

  it('parses a text once and hands out the same document', () => {
    const first = cachedParse('query { hello }');
    expect(cachedParse('query { hello }')).toBe(first);
    expect(cachedParse('query { hello(name: "x") }')).not.toBe(first);
    expect(cachedParse('query { hello }', { maxTokens: 100 })).not.toBe(first);
  });

  it('still throws on a syntax error, every time', () => {
    expect(() => cachedParse('query {')).toThrow(/Syntax Error/);
    expect(() => cachedParse('query {')).toThrow(/Syntax Error/);
  });

  it('validates once per schema, document and rule list, with the same answer as graphql-js', () => {
    const ok = cachedParse('query { hello }');
    expect(cachedValidate(schema, ok)).toEqual([]);
    const bad = cachedParse('query($unused: String) { nope }');
    const errors = cachedValidate(schema, bad);
    expect(errors.map((e) => e.message)).toEqual(['Cannot query field "nope" on type "Query".', 'Variable "$unused" is never used.']);
    expect(cachedValidate(schema, bad)).toBe(errors);
    // A different rule list is a different question.
    expect(cachedValidate(schema, bad, [NoUnusedVariablesRule]).map((e) => e.message)).toEqual(['Variable "$unused" is never used.']);
    const other = buildSchema('type Query { nope: String }');
    expect(cachedValidate(other, bad).map((e) => e.message)).toEqual(['Variable "$unused" is never used.']);
  });

  it('interns operation texts: the same characters give the first string seen, any number of texts', () => {
    const first = ['subscription', '{ hello }'].join(' ');
    expect(internQueryText(first)).toBe('subscription { hello }');
    expect(internQueryText(['subscription', '{ hello }'].join(' '))).toBe('subscription { hello }');
    for (let i = 0; i < 2000; i++) expect(internQueryText(`query Q${i} { hello }`)).toBe(`query Q${i} { hello }`);
  });
});
