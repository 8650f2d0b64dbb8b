import { Field, InputType, Int } from '@nestjs/graphql';
import { MAX_PAGE_URL_LENGTH, MAX_VISITOR_NAME_LENGTH } from '@parley/shared';
import { Type } from 'class-transformer';
import { IsEmail, IsInt, IsLocale, IsOptional, IsString, IsUrl, Matches, MinLength, ValidateNested } from 'class-validator';
import { MaxCodePoints } from '../../common/max-code-points';

@InputType({
  description:
    "A customer site's signed statement about its signed-in user. signature = lower-case hex HMAC-SHA256, " +
    'under the site secret (IDENTITY_SECRET), of JSON.stringify([userId, email ?? null, name ?? null, issuedAt]).',
})
// Its messages name the field alone: Nest's validation pipe puts "identity." before a nested field's message.
export class VisitorIdentityInput {
  @Field({ description: "The site's stable user id (1–255 characters)." })
  @IsString()
  @MinLength(1)
  @MaxCodePoints(255)
  userId!: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsEmail({}, { message: 'email must be an e-mail address' })
  email?: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxCodePoints(MAX_VISITOR_NAME_LENGTH)
  name?: string;

  @Field(() => Int, { description: 'When the site signed it, Unix seconds; accepted for IDENTITY_MAX_AGE_SECONDS (default 600).' })
  @IsInt()
  issuedAt!: number;

  @Field()
  @Matches(/^[0-9a-f]{64}$/, { message: 'signature must be 64 lower-case hex characters' })
  signature!: string;
}

@InputType({ description: 'What the widget knows about a new visitor; every field optional.' })
export class CreateVisitorInput {
  @Field(() => String, { nullable: true, description: 'At most 120 characters.' })
  @IsOptional()
  @IsString()
  @MaxCodePoints(MAX_VISITOR_NAME_LENGTH)
  name?: string;

  @Field(() => String, { nullable: true, description: 'An e-mail address (RFC 5322 addr-spec as checked by validator.js).' })
  @IsOptional()
  @IsEmail({}, { message: 'email must be an e-mail address' })
  @MaxCodePoints(320)
  email?: string;

  @Field(() => String, { nullable: true, description: 'An http(s) URL, at most 2,048 characters.' })
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: 'pageUrl must be an http(s) URL' })
  @MaxCodePoints(MAX_PAGE_URL_LENGTH)
  pageUrl?: string;

  @Field(() => String, { nullable: true, description: 'BCP 47 language tag, e.g. `en`, `ru-RU`.' })
  @IsOptional()
  @IsLocale({ message: 'locale must be a BCP 47 language tag' })
  @MaxCodePoints(35)
  locale?: string;

  @Field(() => VisitorIdentityInput, {
    nullable: true,
    description: 'A verified identity from the site: the visitor becomes (or resumes) that user. Errors: UNAUTHENTICATED when it does not verify.',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => VisitorIdentityInput)
  identity?: VisitorIdentityInput;
}
