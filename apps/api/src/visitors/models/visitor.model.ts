import { Field, ID, ObjectType } from '@nestjs/graphql';
import { Visitor } from '../visitor.entity';

@ObjectType('Visitor', { description: 'A person on a customer site talking to the operators.' })
export class VisitorModel {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true, description: 'Name the visitor gave, if any (shown as text, never HTML).' })
  name?: string | null;

  @Field(() => String, { nullable: true })
  email?: string | null;

  @Field(() => String, { nullable: true, description: 'Page the visitor was on when the visitor was created.' })
  pageUrl?: string | null;

  @Field(() => String, { nullable: true, description: 'BCP 47 language tag, e.g. `en` or `ru-RU`.' })
  locale?: string | null;

  @Field({ description: "True when the customer site vouched for this visitor's identity (signed with IDENTITY_SECRET)." })
  verified!: boolean;

  @Field(() => String, { nullable: true, description: "The site's user id of a verified visitor; null for guests." })
  externalUserId?: string | null;

  @Field(() => Date)
  createdAt!: Date;
}

/** Maps a visitor row to its API shape. */
export function toVisitorModel(visitor: Visitor): VisitorModel {
  return {
    id: visitor.id,
    name: visitor.name ?? null,
    email: visitor.email ?? null,
    pageUrl: visitor.pageUrl ?? null,
    locale: visitor.locale ?? null,
    verified: visitor.verified,
    externalUserId: visitor.externalUserId ?? null,
    createdAt: visitor.createdAt,
  };
}

@ObjectType('VisitorAuth')
export class VisitorAuthModel {
  @Field({ description: 'Guest token: send as `Authorization: Bearer <token>` or `connectionParams.authToken`.' })
  token!: string;

  @Field(() => VisitorModel)
  visitor!: VisitorModel;
}
