import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { SenderRole, SystemEvent } from '../../common/enums';

@ObjectType('Message', { description: 'A message of a chat session. Content is plain text: render it as text, never HTML.' })
export class MessageModel {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  sessionId!: string;

  @Field(() => Int, { description: "Position in the session: 1, 2, 3 … without gaps. Resume with `afterSeq` = the last seq seen." })
  seq!: number;

  @Field(() => SenderRole)
  senderRole!: SenderRole;

  @Field(() => String, { nullable: true, description: 'Name of the operator who wrote it (OPERATOR messages only).' })
  senderName?: string | null;

  @Field({ description: 'The text; for SYSTEM messages an English rendering of `systemEvent`.' })
  content!: string;

  @Field(() => SystemEvent, { nullable: true, description: 'What a SYSTEM message records (null for visitor and operator messages).' })
  systemEvent?: SystemEvent | null;

  @Field(() => String, { nullable: true, description: 'The id the sender chose for idempotent sending; null for SYSTEM lines.' })
  clientMessageId?: string | null;

  @Field(() => Date, { description: 'When the server stored it (ISO-8601 UTC, millisecond precision).' })
  sentAt!: Date;
}
