// Bad input is an answer, not a fault: a real API process is sent a NUL character in every text argument of
// every operation, over HTTP and WebSocket; each is refused with BAD_USER_INPUT (and nothing else changes),
// and its log holds no error line and no stack trace. Request bodies the parser refuses: refused-bodies.test.ts.
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { randomUUID } from 'node:crypto';
import {
  getNamedType,
  GraphQLArgument,
  GraphQLField,
  GraphQLInputType,
  GraphQLObjectType,
  GraphQLSchema,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
} from 'graphql';
import { Client } from 'graphql-ws';
import { gql, GqlResult, gqlOk, wsClient, wsExecute } from './support/api-client';
import { ApiChild, startApiChild } from './support/api-process';
import { TEST_DATABASE_URL } from './support/global-setup';
import { SESSION } from './support/operations';
import { givenActiveSession, startTestApi, TestApi } from './support/test-app';

/** Text no client types and PostgreSQL cannot store (PostgreSQL docs, "Character Types"). */
const WITH_NUL = 'a\u0000b';

/** One text argument (or a text field inside an input object argument) of one root field. */
interface TextInput {
  kind: 'query' | 'mutation' | 'subscription';
  field: GraphQLField<unknown, unknown>;
  /** The argument holding the text. */
  argument: GraphQLArgument;
  /** Field names from the argument down to the text (empty when the argument is the text). */
  path: string[];
  /** What the answer must name: the argument for a scalar argument, else the path inside the input object. */
  name: string;
}

function isText(type: GraphQLInputType): boolean {
  const named = getNamedType(type);
  return isScalarType(named) && (named.name === 'String' || named.name === 'ID');
}

/** Paths from `type` down to each text it holds (its list items by index 0). */
function textPaths(type: GraphQLInputType): string[][] {
  if (isNonNullType(type)) return textPaths(type.ofType);
  if (isListType(type)) return textPaths(type.ofType).map((path) => ['0', ...path]);
  if (isText(type)) return [[]];
  if (!isInputObjectType(type)) return [];
  return Object.values(type.getFields()).flatMap((field) => textPaths(field.type).map((path) => [field.name, ...path]));
}

/** A valid value of `type` with `text` at `path`; a required input object gets its required fields. */
function valueOf(type: GraphQLInputType, path: string[], text: string): unknown {
  if (isNonNullType(type)) return valueOf(type.ofType, path, text);
  if (isListType(type)) return [valueOf(type.ofType, path.slice(1), text)];
  if (isInputObjectType(type)) {
    const value: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) {
      if (field.name === path[0]) value[field.name] = valueOf(field.type, path.slice(1), text);
      else if (isNonNullType(field.type)) value[field.name] = valueOf(field.type, [], 'x');
    }
    return value;
  }
  if (isEnumType(type)) return type.getValues()[0].value;
  if (isText(type)) return text;
  if (type.name === 'Int' || type.name === 'Float') return 1;
  if (type.name === 'Boolean') return true;
  throw new Error(`no value for ${type.name}: teach this test one`);
}

function textInputs(schema: GraphQLSchema): TextInput[] {
  const roots = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ] as const;
  return roots.flatMap(([kind, root]) =>
    Object.values(root?.getFields() ?? {}).flatMap((field) =>
      field.args.flatMap((argument) =>
        textPaths(argument.type).map((path) => ({
          kind,
          field,
          argument,
          path,
          name: isInputObjectType(getNamedType(argument.type)) ? path.join('.') : [argument.name, ...path].join('.'),
        })),
      ),
    ),
  );
}

/** The operation sending `input`'s text as `WITH_NUL`, the field's other required arguments valid. */
function operationFor(input: TextInput): { query: string; variables: Record<string, unknown> } {
  const args = input.field.args.filter((a) => a === input.argument || isNonNullType(a.type));
  const variables = Object.fromEntries(
    args.map((a) => [a.name, a === input.argument ? valueOf(a.type, input.path, WITH_NUL) : valueOf(a.type, [], 'x')]),
  );
  const declared = args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
  const passed = args.map((a) => `${a.name}: $${a.name}`).join(', ');
  const selection = isCompositeType(getNamedType(input.field.type)) ? ' { __typename }' : '';
  return { query: `${input.kind} (${declared}) { ${input.field.name}(${passed})${selection} }`, variables };
}

/** pino's JSON lines of `output` at error level (50) or above, and any line carrying a stack trace. */
function errorLines(output: string): string[] {
  return output.split('\n').filter((line) => /"level":[56]\d/.test(line) || line.includes('"stack"') || /^\s+at /.test(line));
}

describe('input refused as an answer, not a fault', () => {
  let seeder: TestApi;
  let api: ApiChild;
  let schema: GraphQLSchema;

  beforeAll(async () => {
    seeder = await startTestApi(); // applies the migrations; its factories make the rows
    schema = seeder.app.get(GraphQLSchemaHost).schema;
    const many = '100000';
    api = await startApiChild({
      DATABASE_URL: TEST_DATABASE_URL,
      REDIS_PREFIX: `refused-${randomUUID().slice(0, 8)}`,
      JWT_SECRET: seeder.config.jwtSecret,
      RATE_LIMIT_MESSAGES_PER_MINUTE: many,
      RATE_LIMIT_VISITORS_PER_MINUTE: many,
      RATE_LIMIT_SESSIONS_PER_MINUTE: many,
    });
  });
  afterAll(async () => {
    await api?.stop();
    await seeder?.close();
  });

  describe('a NUL character (U+0000) in any text argument', () => {
    it('reaches no nested field: every text argument is a root field’s (so the cases below are all of them)', () => {
      const nested = Object.values(schema.getTypeMap())
        .filter((type): type is GraphQLObjectType => type instanceof GraphQLObjectType && !type.name.startsWith('__'))
        .filter((type) => ![schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].includes(type))
        .flatMap((type) => Object.values(type.getFields()).flatMap((f) => f.args.filter((a) => textPaths(a.type).length).map((a) => `${type.name}.${f.name}(${a.name})`)));
      expect(nested).toEqual([]);
    });

    it('is BAD_USER_INPUT naming the field, for every operation over HTTP and WebSocket; nothing changes; no error is logged', async () => {
      const { visitor, operator, sessionId } = await givenActiveSession(seeder, 'first message');
      const before = await gqlOk(api.url, SESSION, { id: sessionId }, visitor.token);
      const inputs = textInputs(schema);
      // The operations the reviewer named, so an empty walk cannot pass.
      const names = inputs.map((i) => `${i.field.name} ${i.name}`);
      expect(names).toEqual(expect.arrayContaining(['createVisitor name', 'createVisitor identity.name', 'sendMessage content', 'sendMessage clientMessageId', 'sessionEvents sessionId', 'loginOperator password', 'sessions search', 'rateSession comment', 'closeSession resolution']));

      const sockets: Record<string, Client> = { visitor: wsClient(api.wsUrl, visitor.token), operator: wsClient(api.wsUrl, operator.token) };
      const answers: Record<string, unknown> = {};
      try {
        for (const input of inputs) {
          const { query, variables } = operationFor(input);
          // A real session where one is asked for: were the text let through, the operation would run on.
          for (const name of Object.keys(variables)) if (name === 'sessionId' && variables[name] === 'x') variables[name] = sessionId;
          for (const principal of ['visitor', 'operator'] as const) {
            const token = principal === 'visitor' ? visitor.token : operator.token;
            const overHttp = input.kind === 'subscription' ? undefined : await gql(api.url, query, variables, token);
            const overWs = await wsExecute(sockets[principal], query, variables);
            if ([overHttp, overWs].some((r) => r?.errors?.[0]?.extensions?.code === 'FORBIDDEN')) continue; // the other principal's operation
            answers[`${input.field.name} ${input.name}`] = { http: overHttp && refusal(overHttp), ws: refusal(overWs) };
            break;
          }
        }
      } finally {
        for (const socket of Object.values(sockets)) await socket.dispose();
      }
      const expected = (name: string) => ({ message: `${name} must not contain NUL characters (U+0000)`, code: 'BAD_USER_INPUT', field: name });
      expect(answers).toEqual(
        Object.fromEntries(inputs.map((i) => [`${i.field.name} ${i.name}`, { http: i.kind === 'subscription' ? undefined : expected(i.name), ws: expected(i.name) }])),
      );

      // Not a message more, not a seq taken, not closed, not rated.
      expect(await gqlOk(api.url, SESSION, { id: sessionId }, visitor.token)).toEqual(before);
      expect(errorLines(api.output())).toEqual([]);
    });
  });
});

/** The first error of a result as the test compares it. */
function refusal(result: GqlResult): { message?: string; code?: unknown; field?: unknown } {
  const error = result.errors?.[0];
  return { message: error?.message, code: error?.extensions?.code, field: error?.extensions?.field };
}
