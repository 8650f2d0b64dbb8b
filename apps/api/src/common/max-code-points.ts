import { codePointLength } from '@parley/shared';
import { buildMessage, ValidateBy, ValidationOptions } from 'class-validator';

/**
 * class-validator's `@MaxLength`, counting Unicode code points (`codePointLength`), as PostgreSQL's
 * `varchar(n)` counts characters (PostgreSQL docs, "Character Types"; a UTF-8 database counts code points), with its message
 * (`<property> must be shorter than or equal to <max> characters`). `@MaxLength` counts with validator.js'
 * `isLength`, which leaves out variation selectors (U+FE0E, U+FE0F, so that an emoji with one counts once):
 * a visitor name of 61 × `a` + U+FE0F passed `@MaxLength(120)` as 61 characters, was 122 for a
 * `varchar(120)`, and came back as an INTERNAL_SERVER_ERROR from PostgreSQL instead of BAD_USER_INPUT.
 * A value that is not a string fails (as `@MaxLength`'s does).
 */
export function MaxCodePoints(max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'maxCodePoints',
      constraints: [max],
      validator: {
        validate: (value: unknown) => typeof value === 'string' && (value.length <= max || codePointLength(value) <= max),
        defaultMessage: buildMessage((each) => `${each}$property must be shorter than or equal to $constraint1 characters`, options),
      },
    },
    options,
  );
}
