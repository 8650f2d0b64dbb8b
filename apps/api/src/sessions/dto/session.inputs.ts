import { Field, ID, InputType } from '@nestjs/graphql';
import { MAX_CLIENT_MESSAGE_ID_LENGTH } from '@parley/shared';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/** Client-chosen idempotency key: 1–64 characters of `A-Z a-z 0-9 _ - : .` (a UUID fits). */
export const CLIENT_MESSAGE_ID = /^[A-Za-z0-9_\-:.]+$/;

@InputType({ description: 'Start (or resume) the visitor’s chat session.' })
export class StartSessionInput {
  @Field(() => String, { nullable: true, description: 'First message; appended to the open session if there is one.' })
  @IsOptional()
  @IsString()
  content?: string;

  @Field(() => String, { nullable: true, description: 'Idempotency key of the first message; retries with it add nothing.' })
  @IsOptional()
  @MaxLength(MAX_CLIENT_MESSAGE_ID_LENGTH)
  @Matches(CLIENT_MESSAGE_ID, { message: 'clientMessageId may hold only letters, digits, "_", "-", ":" and "."' })
  clientMessageId?: string;
}

@InputType()
export class SendMessageInput {
  @Field(() => ID)
  @IsString()
  sessionId!: string;

  @Field({ description: 'Plain text, trimmed; 1–4,000 code points after trimming.' })
  @IsString()
  content!: string;

  @Field({ description: 'Idempotency key chosen by the client (e.g. a UUID): a retry returns the stored message.' })
  @MaxLength(MAX_CLIENT_MESSAGE_ID_LENGTH)
  @Matches(CLIENT_MESSAGE_ID, { message: 'clientMessageId may hold only letters, digits, "_", "-", ":" and "."' })
  clientMessageId!: string;
}
