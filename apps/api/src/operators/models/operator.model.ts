import { Field, ID, ObjectType } from '@nestjs/graphql';
import { Presence } from '../../common/enums';
import { Operator } from '../operator.entity';

@ObjectType('Operator', { description: "A company's support agent." })
export class OperatorModel {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field(() => String, { nullable: true, description: 'Only operators see it; null for visitors.' })
  email?: string | null;

  @Field(() => Presence, { description: 'The presence the operator chose.' })
  presence!: Presence;
}

/** Maps an operator row to its API shape (never the password hash). */
export function toOperatorModel(operator: Operator): OperatorModel {
  return { id: operator.id, name: operator.name, email: operator.email, presence: operator.presence };
}

@ObjectType('OperatorAuth')
export class OperatorAuthModel {
  @Field({ description: 'JWT access token (`Authorization: Bearer …`).' })
  accessToken!: string;

  @Field(() => Date, { description: 'When the access token expires (UTC).' })
  expiresAt!: Date;

  @Field(() => OperatorModel)
  operator!: OperatorModel;
}
