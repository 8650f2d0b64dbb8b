import { BadRequestException } from '@nestjs/common';
import { IsInt, MaxLength } from 'class-validator';
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
});
