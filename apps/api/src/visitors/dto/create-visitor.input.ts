import { Field, InputType } from '@nestjs/graphql';
import { MAX_PAGE_URL_LENGTH, MAX_VISITOR_NAME_LENGTH } from '@parley/shared';
import { IsEmail, IsLocale, IsOptional, IsString, IsUrl, MaxLength } from 'class-validator';

@InputType({ description: 'What the widget knows about a new visitor; every field optional.' })
export class CreateVisitorInput {
  @Field(() => String, { nullable: true, description: 'At most 120 characters.' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_VISITOR_NAME_LENGTH)
  name?: string;

  @Field(() => String, { nullable: true, description: 'An e-mail address (RFC 5322 addr-spec as checked by validator.js).' })
  @IsOptional()
  @IsEmail({}, { message: 'email must be an e-mail address' })
  @MaxLength(320)
  email?: string;

  @Field(() => String, { nullable: true, description: 'An http(s) URL, at most 2,048 characters.' })
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: 'pageUrl must be an http(s) URL' })
  @MaxLength(MAX_PAGE_URL_LENGTH)
  pageUrl?: string;

  @Field(() => String, { nullable: true, description: 'BCP 47 language tag, e.g. `en`, `ru-RU`.' })
  @IsOptional()
  @IsLocale({ message: 'locale must be a BCP 47 language tag' })
  @MaxLength(35)
  locale?: string;
}
