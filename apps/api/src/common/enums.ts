import { registerEnumType } from '@nestjs/graphql';

/** Lifecycle of a chat session: `WAITING` (in the queue) → `ACTIVE` (accepted by an operator) → `CLOSED`. */
export enum ChatSessionStatus {
  WAITING = 'WAITING',
  ACTIVE = 'ACTIVE',
  CLOSED = 'CLOSED',
}

/** Who wrote a message; `SYSTEM` lines record lifecycle facts (operator joined, chat closed). */
export enum SenderRole {
  VISITOR = 'VISITOR',
  OPERATOR = 'OPERATOR',
  SYSTEM = 'SYSTEM',
}

/** What a `SYSTEM` message records, so clients can show it in their own words and language. */
export enum SystemEvent {
  OPERATOR_JOINED = 'OPERATOR_JOINED',
  CLOSED_BY_OPERATOR = 'CLOSED_BY_OPERATOR',
  VISITOR_LEFT = 'VISITOR_LEFT',
}

/** An operator's availability. Only `ONLINE` operators count as able to accept chats. */
export enum Presence {
  ONLINE = 'ONLINE',
  AWAY = 'AWAY',
  OFFLINE = 'OFFLINE',
}

registerEnumType(ChatSessionStatus, { name: 'ChatSessionStatus', description: 'WAITING → ACTIVE → CLOSED.' });
registerEnumType(SenderRole, { name: 'SenderRole', description: 'Who wrote a message.' });
registerEnumType(Presence, { name: 'Presence', description: 'Operator availability.' });
registerEnumType(SystemEvent, { name: 'SystemEvent', description: 'What a SYSTEM message records.' });
