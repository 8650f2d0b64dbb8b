import { ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { RequestError } from './domain-error';

/** `key` below `path` ('' for the top of an input object), as Nest's `ValidationPipe` names a nested field: `identity.name`, `tags.0`. */
function below(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/**
 * The path of the first string in `value` (a GraphQL argument as GraphQL coerced it: a scalar, null, a list
 * or an input object) holding a NUL character, `path` naming `value` itself; `undefined` when none does.
 */
function nulCharacterAt(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const found = nulCharacterAt((value as Record<string, unknown>)[key], below(path, key));
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The refusal of a GraphQL argument holding a NUL character (U+0000) anywhere in its strings, those of its
 * input objects and lists included; `undefined` when it holds none. PostgreSQL's `text` and `varchar` cannot
 * store one (PostgreSQL docs, "Character Types": "the character with code zero (sometimes called NUL) cannot
 * be stored"), and its wire protocol ends a parameter's text at one: a statement given one fails with SQLSTATE
 * 08P01 ("invalid message format"). Nobody types one; our clients remove them (`normalizeText`).
 *
 * The field is named as the messages of Nest's `ValidationPipe` name it: the argument's name for a scalar
 * argument (`search`, `sessionId`), the field's path inside an input object argument (`content`,
 * `identity.name`), a list's item by its index (`tags.0`).
 *
 * @returns RequestError `BAD_USER_INPUT` with `extensions.field`, e.g. `name must not contain NUL characters (U+0000)`
 */
function nulCharacterRefusal(value: unknown, argumentName: string | undefined): RequestError | undefined {
  const inputObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  const field = nulCharacterAt(value, inputObject ? '' : (argumentName ?? ''));
  return field === undefined ? undefined : RequestError.badInput(`${field} must not contain NUL characters (U+0000)`, field);
}

/**
 * The API's one global pipe, run by Nest on every resolver's arguments (queries, mutations and subscriptions;
 * HTTP and WebSocket alike), before the resolver and so before any SQL:
 *
 * 1. every GraphQL argument (`@Args`) is refused when a string in it holds a NUL character
 *    ({@link nulCharacterRefusal}: `BAD_USER_INPUT` naming the field, a domain error, so not logged as a
 *    fault); a `sendMessage` pays for a `String.prototype.includes` on each of its input's three strings
 *    (about 0.1 µs with a 4,000-character content);
 * 2. Nest's `ValidationPipe` (class-transformer, then class-validator) for the input classes that declare
 *    class-validator rules. A class declaring none, itself or through its parents, passes through as GraphQL
 *    coerced it: a plain object with the class's fields, already checked against the schema's types (and its
 *    other rules checked by the service that owns them, e.g. `requireText`, `requireClientMessageId`).
 *    Before, `SendMessageInput` went through class-transformer and class-validator on every message for one
 *    rule (on `clientMessageId`, now `requireClientMessageId`): about 9 % of the API's busy time
 *    (bench/NOTES.md §23).
 *
 * Whether a class has rules is read once from class-validator's metadata storage (all decorators have run
 * by the time a request arrives) and kept per class. Their errors are Nest's as before: an HTTP 400 that
 * `formatGraphQLError` turns into `BAD_USER_INPUT`.
 */
export class InputValidationPipe extends ValidationPipe {
  private readonly hasRules = new WeakMap<object, boolean>();

  /** @returns a promise of the argument, rejected with a `BAD_USER_INPUT` error when it breaks a rule */
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Nest shows a resolver's `@Args` to pipes as 'body' (GqlParamtype.ARGS and RouteParamtypes.BODY are both 3),
    // and its parent, context, info and own decorators' values (`@CurrentPrincipal`) as 'custom'.
    const refusal = metadata.type === 'body' ? nulCharacterRefusal(value, metadata.data) : undefined;
    return refusal ? Promise.reject(refusal) : (super.transform(value, metadata) as Promise<unknown>);
  }

  protected override toValidate(metadata: ArgumentMetadata): boolean {
    if (!super.toValidate(metadata)) return false;
    const metatype = metadata.metatype as NonNullable<ArgumentMetadata['metatype']>;
    let known = this.hasRules.get(metatype);
    if (known === undefined) {
      known = getMetadataStorage().getTargetValidationMetadatas(metatype, '', true, false).length > 0;
      this.hasRules.set(metatype, known);
    }
    return known;
  }
}
