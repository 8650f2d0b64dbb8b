import { BadRequestException } from '@nestjs/common';
import { buildSchema, execute, GraphQLError, parse } from 'graphql';
import { RequestError } from './domain-error';
import { errorResponseBody, formatGraphQLError } from './format-graphql-error';
import { ServiceUnavailableError } from './service-unavailable';

function format(error: GraphQLError) {
  return formatGraphQLError(error.toJSON(), error);
}

describe('formatGraphQLError', () => {
  it('gives a domain error its code and details', () => {
    const result = format(new GraphQLError('x', { originalError: RequestError.badInput('content must not be empty', 'content') }));
    expect(result).toMatchObject({ message: 'content must not be empty', extensions: { code: 'BAD_USER_INPUT', field: 'content' } });
  });

  it('maps class-validator failures (HTTP 400) to BAD_USER_INPUT with their messages', () => {
    const original = new BadRequestException(['email must be an e-mail address']);
    expect(format(new GraphQLError('Bad Request Exception', { originalError: original }))).toMatchObject({
      message: 'email must be an e-mail address',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it('maps Apollo’s validation codes to BAD_USER_INPUT', () => {
    const error = new GraphQLError('Cannot query field "nope"', { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(format(error).extensions).toEqual({ code: 'BAD_USER_INPUT' });
  });

  describe('an error with a known code and no domain error beneath it', () => {
    it('keeps the extensions its raiser set for the client: the WebSocket guardrails’ retryAfterSeconds, a retryable, a field', () => {
      const busy = new GraphQLError('At most 25 operations may run at once on one connection', { extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 1 } });
      expect(format(busy)).toEqual({ message: busy.message, extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 1 } });
      const draining = new GraphQLError('shutting down', { extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true, field: null } });
      expect(format(draining).extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', retryable: true, field: null });
    });

    it('keeps them under an Apollo input code, which becomes BAD_USER_INPUT', () => {
      const armor = new GraphQLError('Syntax Error: Token limit of 2000 exceeded.', { extensions: { code: 'GRAPHQL_PARSE_FAILED', limit: 2000 } });
      expect(format(armor).extensions).toEqual({ code: 'BAD_USER_INPUT', limit: 2000 });
    });

    it('never passes a stack trace or an exception’s internals: Apollo’s stacktrace, exception and http, nor any object or array', () => {
      const error = new GraphQLError('Cannot query field "nope"', {
        extensions: {
          code: 'GRAPHQL_VALIDATION_FAILED',
          stacktrace: ['GraphQLError: Cannot query field "nope"', '    at Object.Field (/app/node_modules/graphql/validation/rules/FieldsOnCorrectTypeRule.js:51:13)'],
          exception: { code: 'ECONNREFUSED', address: '10.0.0.5', stacktrace: ['Error: connect ECONNREFUSED 10.0.0.5:5432'] },
          http: { status: 400 },
          cause: { message: 'inner' },
          retryAfterSeconds: 3,
        },
      });
      expect(format(error).extensions).toEqual({ code: 'BAD_USER_INPUT', retryAfterSeconds: 3 });
      // As Apollo hands them to formatError in development (its stacktrace added to the formatted error's extensions).
      const formatted = { message: error.message, extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 2, stacktrace: 'Error: x\n    at y' } };
      expect(formatGraphQLError(formatted, new GraphQLError(error.message)).extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: 2 });
    });
  });

  it('maps graphql’s own refusal of an argument to BAD_USER_INPUT, but not a broken non-null result', async () => {
    const schema = buildSchema('type Query { echo(text: String!): String  broken: String! }');
    const rootValue = { echo: ({ text }: { text: string }) => text, broken: () => null };
    const refused = await execute({ schema, rootValue, document: parse('query($t: String = "x") { echo(text: $t) }'), variableValues: { t: null } });
    expect(format(refused.errors![0])).toMatchObject({ message: expect.stringMatching(/^Argument "text" of non-null type/), extensions: { code: 'BAD_USER_INPUT' } });
    const broken = await execute({ schema, rootValue, document: parse('{ broken }') });
    expect(format(broken.errors![0]).extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
  });

  describe('the client’s request echoing an outage phrase', () => {
    const schema = buildSchema('type Query { rate(score: Int!): Int }');
    /** The wrapper Apollo puts around graphql-js' request errors (its UserInputError, OperationResolutionError, SyntaxError). */
    const apollo = (inner: GraphQLError, code: string) =>
      new GraphQLError(inner.message, { nodes: inner.nodes, originalError: inner.originalError ?? inner, extensions: { code } });

    it('keeps BAD_USER_INPUT for a variable value "Connection terminated" given to an Int', async () => {
      const result = await execute({ schema, document: parse('query ($s: Int!) { rate(score: $s) }'), variableValues: { s: 'Connection terminated' } });
      const refused = result.errors![0];
      expect(refused.message).toMatch(/Connection terminated/);
      expect(format(apollo(refused, 'BAD_USER_INPUT')).extensions).toEqual({ code: 'BAD_USER_INPUT' });
      // As graphql-js raises it (the WebSocket path before its code is set): no originalError, so not an outage.
      expect(format(refused).extensions).not.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    });

    it('keeps BAD_USER_INPUT for an unknown operationName "Connection terminated"', async () => {
      const result = await execute({ schema, document: parse('{ __typename }'), operationName: 'Connection terminated' });
      const unknown = result.errors![0];
      expect(unknown.message).toBe('Unknown operation named "Connection terminated".');
      expect(format(apollo(unknown, 'OPERATION_RESOLUTION_FAILURE')).extensions).toEqual({ code: 'BAD_USER_INPUT' });
      expect(format(unknown).extensions).not.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    });

    it.each(['Connection terminated', 'Connection is closed', 'Timeout acquiring a connection'])(
      'keeps BAD_USER_INPUT for a document that fails to parse on "%s"',
      (phrase) => {
        let syntax: GraphQLError | undefined;
        try {
          parse(`{ "${phrase}" }`);
        } catch (error) {
          syntax = error as GraphQLError;
        }
        expect(format(apollo(syntax!, 'GRAPHQL_PARSE_FAILED')).extensions).toEqual({ code: 'BAD_USER_INPUT' });
      },
    );

    it('still treats a driver’s outage beneath GraphQL’s wrappers as one', () => {
      const dropped = new Error('Connection terminated unexpectedly');
      const located = new GraphQLError(dropped.message, { originalError: new GraphQLError(dropped.message, { originalError: dropped }) });
      expect(format(located).extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', retryable: true });
    });
  });

  it('hides the message of an unexpected error', () => {
    const error = new GraphQLError('connection terminated: password for user postgres', { originalError: new Error('secret detail') });
    expect(format(error)).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });

  it("keeps knex's 'Transaction query already complete' an internal error: a statement on a finished transaction is a bug", () => {
    // A transaction whose BEGIN failed on a lost connection fails with BEGIN's error instead (database/failed-begin.subscriber.ts).
    const original = new Error('Transaction query already complete, run with DEBUG=knex:tx for more info');
    expect(format(new GraphQLError(original.message, { originalError: original })).extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
  });

  it('keeps a protocol violation (SQLSTATE 08P01: a NUL character sent to PostgreSQL) an internal error, not a retryable outage', () => {
    // InputValidationPipe refuses NULs in arguments before any SQL: one reaching PostgreSQL is a fault of ours, and a retry fails alike.
    const original = Object.assign(new Error('invalid message format'), { name: 'DriverException', code: '08P01' });
    expect(format(new GraphQLError(original.message, { originalError: original })).extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
  });

  it.each([
    ['PostgreSQL refusing connections', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['PostgreSQL shutting down (57P01)', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })],
    ['a pooled connection the server dropped', new Error('Connection terminated unexpectedly')],
    ['MikroORM wrapping a driver error', Object.assign(new Error('wrapped'), { name: 'DriverException', previous: Object.assign(new Error('x'), { code: '08006' }) })],
    ['ioredis giving up while Redis is down', Object.assign(new Error('Reached the max retries per request limit (which is 3).'), { name: 'MaxRetriesPerRequestError' })],
    ['a Redis command unanswered within its timeout (a hung Redis)', new Error('Command timed out')],
    ['an instance shutting down', ServiceUnavailableError.shuttingDown()],
  ])('maps %s to a retryable SERVICE_UNAVAILABLE without details', (_what, original) => {
    const result = format(new GraphQLError(original.message, { originalError: original }));
    expect(result.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', retryable: true });
    expect(result.message).not.toMatch(/5432|ECONNREFUSED|administrator|max retries/);
  });
});

describe('errorResponseBody', () => {
  it('is a GraphQL response whose one error is the error as formatGraphQLError formats it', () => {
    expect(JSON.parse(errorResponseBody(RequestError.badInput('The request body must be at most 65536 bytes')))).toEqual({
      errors: [{ message: 'The request body must be at most 65536 bytes', extensions: { code: 'BAD_USER_INPUT' } }],
    });
    expect(JSON.parse(errorResponseBody(ServiceUnavailableError.shuttingDown()))).toEqual({
      errors: [{ message: expect.stringMatching(/shutting down/), extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true } }],
    });
  });
});
