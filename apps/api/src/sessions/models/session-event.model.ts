import { createUnionType, Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { Presence, SenderRole } from '../../common/enums';
import { MessageModel } from '../../messages/models/message.model';
import { OperatorModel } from '../../operators/models/operator.model';

@ObjectType('MessageCreated', { description: 'A message was stored. Check `message.seq`: it is exactly one more than the last seen.' })
export class MessageCreatedEvent {
  @Field(() => ID) sessionId!: string;
  @Field(() => MessageModel) message!: MessageModel;
}

@ObjectType('QueuePositionChanged', { description: 'The waiting visitor moved in the queue. Positions only go down.' })
export class QueuePositionChangedEvent {
  @Field(() => ID) sessionId!: string;
  @Field(() => Int, { description: '1-based place in the waiting queue.' }) position!: number;
  @Field(() => Int, { nullable: true, description: 'Seconds; null when no operator is online.' })
  estimatedWaitSeconds?: number | null;
  @Field(() => Int, { description: 'Operators online now.' }) operatorsOnline!: number;
}

@ObjectType('OperatorJoined', { description: 'An operator accepted the chat session.' })
export class OperatorJoinedEvent {
  @Field(() => ID) sessionId!: string;
  @Field(() => OperatorModel) operator!: OperatorModel;
}

@ObjectType('SessionClosed', { description: 'The chat session was closed; the visitor may now rate it.' })
export class SessionClosedEvent {
  @Field(() => ID) sessionId!: string;
  @Field(() => String, { nullable: true }) resolution?: string | null;
  @Field(() => SenderRole, { description: 'Who closed it.' }) closedBy!: SenderRole;
  @Field(() => Date) closedAt!: Date;
}

@ObjectType('TypingChanged', { description: 'The other side started or stopped typing. Not stored.' })
export class TypingChangedEvent {
  @Field(() => ID) sessionId!: string;
  @Field(() => SenderRole) senderRole!: SenderRole;
  @Field() isTyping!: boolean;
}

@ObjectType('ParticipantPresenceChanged', {
  description:
    "A participant's presence changed: role VISITOR when the visitor's widget connected or disconnected (for " +
    'operators), role OPERATOR for the assigned operator (for the visitor).',
})
export class ParticipantPresenceChangedEvent {
  @Field(() => ID) sessionId!: string;
  @Field(() => SenderRole) role!: SenderRole;
  @Field(() => Presence) presence!: Presence;
}

/**
 * A {@link QueuePositionChangedEvent} as `sessionEvents` carries it: with the version of the queue it was
 * read from (`QueueVersions`: an integer, higher = fresher), by which `SessionEventStream` drops one not newer
 * than the last it delivered. A broadcast's positions carry the version of its `queueUpdated` snapshot; a
 * subscription's first position, the counter's value read before its place (`QueueService.currentPlace`).
 * Not in the GraphQL schema: each `sessionEvents` subscription orders its positions itself.
 */
export interface VersionedQueuePosition extends QueuePositionChangedEvent {
  /**
   * Absent when not known: a subscription's first position when Redis could not be read
   * (`QueueService.currentPlace`), or one published by an API instance from before versions (a rolling
   * update). Such a position is ordered by the position alone (positions only go down).
   */
  version?: number;
}

/** What is published to a session's channel: the GraphQL payload plus its type name. */
export type SessionEventPayload =
  | ({ __typename: 'MessageCreated' } & MessageCreatedEvent)
  | ({ __typename: 'QueuePositionChanged' } & VersionedQueuePosition)
  | ({ __typename: 'OperatorJoined' } & OperatorJoinedEvent)
  | ({ __typename: 'SessionClosed' } & SessionClosedEvent)
  | ({ __typename: 'TypingChanged' } & TypingChangedEvent)
  | ({ __typename: 'ParticipantPresenceChanged' } & ParticipantPresenceChangedEvent);

const EVENT_TYPES = {
  MessageCreated: MessageCreatedEvent,
  QueuePositionChanged: QueuePositionChangedEvent,
  OperatorJoined: OperatorJoinedEvent,
  SessionClosed: SessionClosedEvent,
  TypingChanged: TypingChangedEvent,
  ParticipantPresenceChanged: ParticipantPresenceChangedEvent,
} as const;

/**
 * Each event's type is its `__typename` (the object types are named so): `@nestjs/graphql`'s own
 * `resolveType` reads it from the value alone, so `sessionEvents` results can be shared by all subscribers
 * of a document (`sameForEverySubscriber`); a `resolveType` given here would be wrapped in one Nest passes
 * every argument to.
 */
export const SessionEventUnion = createUnionType({
  name: 'SessionEvent',
  description: 'Everything that happens in one chat session, in order.',
  types: () => Object.values(EVENT_TYPES),
});
