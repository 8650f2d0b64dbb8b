import { ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';

/**
 * Nest's `ValidationPipe` (class-transformer, then class-validator) for the input classes that declare
 * class-validator rules. A class declaring none, itself or through its parents, passes through as GraphQL
 * coerced it: a plain object with the class's fields, already checked against the schema's types (and
 * its other rules checked by the service that owns them, e.g. `requireText`, `requireClientMessageId`).
 * Before, `SendMessageInput` went through class-transformer and class-validator on every message for
 * one rule (on `clientMessageId`, now `requireClientMessageId`): about 9 % of the API's busy time
 * (bench/NOTES.md §23).
 *
 * Whether a class has rules is read once from class-validator's metadata storage (all decorators have run
 * by the time a request arrives) and kept per class. Errors are Nest's as before: an HTTP 400 that
 * `formatGraphQLError` turns into `BAD_USER_INPUT`.
 */
export class InputValidationPipe extends ValidationPipe {
  private readonly hasRules = new WeakMap<object, boolean>();

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
