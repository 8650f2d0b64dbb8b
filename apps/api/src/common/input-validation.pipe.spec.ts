import { ArgumentMetadata, BadRequestException } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, MaxLength, ValidateNested } from 'class-validator';
import { RequestError } from './domain-error';
import { InputValidationPipe } from './input-validation.pipe';

class WithRules {
  @MaxLength(3)
  name!: string;
}

class InheritsRules extends WithRules {
  nickname?: string;
}

class WithoutRules {
  name!: string;
  count!: number;
}

class WithRuleOnOtherField {
  name!: string;
  @IsInt()
  count!: number;
}

describe('InputValidationPipe', () => {
  const pipe = new InputValidationPipe({ transform: true, forbidUnknownValues: false, stopAtFirstError: true });
  const asArgs = (metatype: new () => object) => ({ type: 'body' as const, metatype, data: 'input' });

  it('validates and builds an instance of a class that declares rules, itself or through its parent', async () => {
    await expect(pipe.transform({ name: 'long' }, asArgs(WithRules))).rejects.toBeInstanceOf(BadRequestException);
    await expect(pipe.transform({ name: 'long' }, asArgs(InheritsRules))).rejects.toBeInstanceOf(BadRequestException);
    await expect(pipe.transform({ name: 'x', count: 1.5 }, asArgs(WithRuleOnOtherField))).rejects.toBeInstanceOf(BadRequestException);
    const valid = await pipe.transform({ name: 'abc' }, asArgs(InheritsRules));
    expect(valid).toBeInstanceOf(InheritsRules);
    expect(valid).toEqual({ name: 'abc' });
  });

  it('passes the very object GraphQL coerced through when its class declares no rule', async () => {
    const value = { name: 'far longer than any rule elsewhere', count: 1.5 };
    // Twice: the second answer comes from the per-class memory.
    await expect(pipe.transform(value, asArgs(WithoutRules))).resolves.toBe(value);
    await expect(pipe.transform(value, asArgs(WithoutRules))).resolves.toBe(value);
    expect(value).toEqual({ name: 'far longer than any rule elsewhere', count: 1.5 });
  });

  it('leaves scalars to Nest as before', async () => {
    await expect(pipe.transform('abc', { type: 'body', metatype: String, data: 'id' })).resolves.toBe('abc');
  });

  describe('a NUL character (U+0000) in a GraphQL argument', () => {
    class Identity {
      @MaxLength(3)
      name!: string;
    }
    class WithNested {
      @ValidateNested()
      @Type(() => Identity)
      identity!: Identity;
    }
    /** As Nest describes an `@Args(name)` parameter of a resolver to its pipes. */
    const arg = (data: string | undefined, metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({ type: 'body', metatype, data });
    const refusal = (field: string) => ({ code: 'BAD_USER_INPUT', message: `${field} must not contain NUL characters (U+0000)`, details: { field } });

    it.each([
      ['a scalar argument, by its name', 'a\u0000b', arg('search', String), 'search'],
      ['an ID argument, by its name', '\u0000', arg('sessionId', String), 'sessionId'],
      ['a field of an input class without rules (no class-validator run), by its name alone', { sessionId: 'x', content: 'hi\u0000' }, arg('input', WithoutRules), 'content'],
      ['a field of a nested input object, before class-validator sees its rules', { identity: { name: 'toolong\u0000' } }, arg('input', WithNested), 'identity.name'],
      ['an item of a list', { tags: ['ok', 'no\u0000'] }, arg('input', Object), 'tags.1'],
      ['a list argument', ['ok', '\u0000'], arg('ids', Array), 'ids.1'],
      ['a field of all the arguments (`@Args()` without a name)', { comment: '\u0000' }, arg(undefined, Object), 'comment'],
    ])('is BAD_USER_INPUT naming the field: %s', async (_what, value, metadata, field) => {
      const refused = pipe.transform(value, metadata);
      await expect(refused).rejects.toBeInstanceOf(RequestError);
      await expect(refused).rejects.toMatchObject(refusal(field));
    });

    it('leaves an argument without one as it was', async () => {
      const value = { sessionId: 'x', content: 'a\u0001b', clientMessageId: 'c' };
      await expect(pipe.transform(value, arg('input', WithoutRules))).resolves.toBe(value);
      await expect(pipe.transform('0', arg('search', String))).resolves.toBe('0');
    });

    it('reads only GraphQL arguments, not what a resolver gets from the server (its parent, the context: "custom" to pipes)', async () => {
      const parent = { name: 'stored\u0000' };
      await expect(pipe.transform(parent, { type: 'custom', metatype: Object, data: undefined })).resolves.toBe(parent);
    });
  });
});
