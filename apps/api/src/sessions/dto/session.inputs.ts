import { Field, ID, InputType } from '@nestjs/graphql';

// No class-validator rules here: GraphQL checks the types, and the message rules (text and
// clientMessageId) are checked where they are used, `requireText` and `requireClientMessageId`, so a
// message's input skips the validation pipe (see `InputValidationPipe`).

@InputType({ description: 'Start (or resume) the visitor’s chat session.' })
export class StartSessionInput {
  @Field(() => String, { nullable: true, description: 'First message; appended to the open session if there is one.' })
  content?: string;

  @Field(() => String, {
    nullable: true,
    description: 'Idempotency key of the first message (1–64 characters of A–Z a–z 0–9 _ - : .); retries with it add nothing.',
  })
  clientMessageId?: string;
}

@InputType()
export class SendMessageInput {
  @Field(() => ID)
  sessionId!: string;

  @Field({ description: 'Plain text, trimmed; 1–4,000 code points after trimming.' })
  content!: string;

  @Field({
    description:
      'Idempotency key chosen by the client (e.g. a UUID), 1–64 characters of A–Z a–z 0–9 _ - : . — a retry returns the stored message.',
  })
  clientMessageId!: string;
}
