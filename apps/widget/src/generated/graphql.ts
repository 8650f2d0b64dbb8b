/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** WAITING → ACTIVE → CLOSED. */
export type ChatSessionStatus =
  | 'ACTIVE'
  | 'CLOSED'
  | 'WAITING';

/** What the widget knows about a new visitor; every field optional. */
export type CreateVisitorInput = {
  /** An e-mail address (RFC 5322 addr-spec as checked by validator.js). */
  email?: string | null | undefined;
  /** A verified identity from the site: the visitor becomes (or resumes) that user. Errors: UNAUTHENTICATED when it does not verify. */
  identity?: VisitorIdentityInput | null | undefined;
  /** BCP 47 language tag, e.g. `en`, `ru-RU`. */
  locale?: string | null | undefined;
  /** At most 120 characters. */
  name?: string | null | undefined;
  /** An http(s) URL, at most 2,048 characters. */
  pageUrl?: string | null | undefined;
};

/** Operator availability. */
export type Presence =
  | 'AWAY'
  | 'OFFLINE'
  | 'ONLINE';

export type SendMessageInput = {
  /** Idempotency key chosen by the client (e.g. a UUID), 1–64 characters of A–Z a–z 0–9 _ - : . — a retry returns the stored message. */
  clientMessageId: string;
  /** Plain text, trimmed; 1–4,000 code points after trimming. */
  content: string;
  sessionId: string | number;
};

/** Who wrote a message. */
export type SenderRole =
  | 'OPERATOR'
  | 'SYSTEM'
  | 'VISITOR';

/** Start (or resume) the visitor’s chat session. */
export type StartSessionInput = {
  /** Idempotency key of the first message (1–64 characters of A–Z a–z 0–9 _ - : .); retries with it add nothing. */
  clientMessageId?: string | null | undefined;
  /** First message; appended to the open session if there is one. */
  content?: string | null | undefined;
};

/** A customer site's signed statement about its signed-in user. signature = lower-case hex HMAC-SHA256, under the site secret (IDENTITY_SECRET), of JSON.stringify([userId, email ?? null, name ?? null, issuedAt]). */
export type VisitorIdentityInput = {
  email?: string | null | undefined;
  /** When the site signed it, Unix seconds; accepted for IDENTITY_MAX_AGE_SECONDS (default 600). */
  issuedAt: number;
  name?: string | null | undefined;
  signature: string;
  /** The site's stable user id (1–255 characters). */
  userId: string;
};

export type SessionStateFragment = { id: string, status: ChatSessionStatus, lastSeq: number, queuePosition: number | null, estimatedWaitSeconds: number | null, resolution: string | null, operator: { name: string } | null, rating: { score: number } | null };

export type MessageFieldsFragment = { id: string, seq: number, senderRole: SenderRole, senderName: string | null, content: string, clientMessageId: string | null, sentAt: string };

export type CreateVisitorMutationVariables = Exact<{
  input?: CreateVisitorInput | null | undefined;
}>;


export type CreateVisitorMutation = { createVisitor: { token: string, visitor: { id: string } } };

export type RenewVisitorTokenMutationVariables = Exact<{ [key: string]: never; }>;


export type RenewVisitorTokenMutation = { renewVisitorToken: { token: string } };

export type LatestSessionQueryVariables = Exact<{ [key: string]: never; }>;


export type LatestSessionQuery = { mySessions: { nodes: Array<{ id: string, status: ChatSessionStatus, lastSeq: number, queuePosition: number | null, estimatedWaitSeconds: number | null, resolution: string | null, operator: { name: string } | null, rating: { score: number } | null }> } };

export type SessionStateQueryVariables = Exact<{
  id: string | number;
}>;


export type SessionStateQuery = { session: { id: string, status: ChatSessionStatus, lastSeq: number, queuePosition: number | null, estimatedWaitSeconds: number | null, resolution: string | null, operator: { name: string } | null, rating: { score: number } | null } };

export type SessionMessagesQueryVariables = Exact<{
  id: string | number;
  beforeSeq: number;
  first: number;
}>;


export type SessionMessagesQuery = { session: { id: string, status: ChatSessionStatus, lastSeq: number, queuePosition: number | null, estimatedWaitSeconds: number | null, resolution: string | null, messages: Array<{ id: string, seq: number, senderRole: SenderRole, senderName: string | null, content: string, clientMessageId: string | null, sentAt: string }>, operator: { name: string } | null, rating: { score: number } | null } };

export type StartSessionMutationVariables = Exact<{
  input: StartSessionInput;
}>;


export type StartSessionMutation = { startSession: { id: string, status: ChatSessionStatus, lastSeq: number, queuePosition: number | null, estimatedWaitSeconds: number | null, resolution: string | null, operator: { name: string } | null, rating: { score: number } | null } };

export type SendMessageMutationVariables = Exact<{
  input: SendMessageInput;
}>;


export type SendMessageMutation = { sendMessage: { id: string, seq: number, senderRole: SenderRole, senderName: string | null, content: string, clientMessageId: string | null, sentAt: string } };

export type SetTypingMutationVariables = Exact<{
  sessionId: string | number;
  isTyping: boolean;
}>;


export type SetTypingMutation = { setTyping: boolean };

export type LeaveSessionMutationVariables = Exact<{
  sessionId: string | number;
}>;


export type LeaveSessionMutation = { closeSession: { id: string, status: ChatSessionStatus, lastSeq: number, queuePosition: number | null, estimatedWaitSeconds: number | null, resolution: string | null, operator: { name: string } | null, rating: { score: number } | null } };

export type RateSessionMutationVariables = Exact<{
  sessionId: string | number;
  score: number;
  comment?: string | null | undefined;
}>;


export type RateSessionMutation = { rateSession: { score: number } };

export type SessionEventsSubscriptionVariables = Exact<{
  sessionId: string | number;
  afterSeq?: number | null | undefined;
}>;


export type SessionEventsSubscription = { sessionEvents:
    | { __typename: 'MessageCreated', message: { id: string, seq: number, senderRole: SenderRole, senderName: string | null, content: string, clientMessageId: string | null, sentAt: string } }
    | { __typename: 'OperatorJoined', operator: { name: string } }
    | { __typename: 'ParticipantPresenceChanged', role: SenderRole, presence: Presence }
    | { __typename: 'QueuePositionChanged', position: number, estimatedWaitSeconds: number | null, operatorsOnline: number }
    | { __typename: 'SessionClosed', resolution: string | null, closedBy: SenderRole }
    | { __typename: 'TypingChanged', senderRole: SenderRole, isTyping: boolean }
   };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const SessionStateFragmentDoc = new TypedDocumentString(`
    fragment SessionState on ChatSession {
  id
  status
  lastSeq
  queuePosition
  estimatedWaitSeconds
  resolution
  operator {
    name
  }
  rating {
    score
  }
}
    `, {"fragmentName":"SessionState"}) as unknown as TypedDocumentString<SessionStateFragment, unknown>;
export const MessageFieldsFragmentDoc = new TypedDocumentString(`
    fragment MessageFields on Message {
  id
  seq
  senderRole
  senderName
  content
  clientMessageId
  sentAt
}
    `, {"fragmentName":"MessageFields"}) as unknown as TypedDocumentString<MessageFieldsFragment, unknown>;
export const CreateVisitorDocument = new TypedDocumentString(`
    mutation CreateVisitor($input: CreateVisitorInput) {
  createVisitor(input: $input) {
    token
    visitor {
      id
    }
  }
}
    `) as unknown as TypedDocumentString<CreateVisitorMutation, CreateVisitorMutationVariables>;
export const RenewVisitorTokenDocument = new TypedDocumentString(`
    mutation RenewVisitorToken {
  renewVisitorToken {
    token
  }
}
    `) as unknown as TypedDocumentString<RenewVisitorTokenMutation, RenewVisitorTokenMutationVariables>;
export const LatestSessionDocument = new TypedDocumentString(`
    query LatestSession {
  mySessions(first: 1) {
    nodes {
      ...SessionState
    }
  }
}
    fragment SessionState on ChatSession {
  id
  status
  lastSeq
  queuePosition
  estimatedWaitSeconds
  resolution
  operator {
    name
  }
  rating {
    score
  }
}`) as unknown as TypedDocumentString<LatestSessionQuery, LatestSessionQueryVariables>;
export const SessionStateDocument = new TypedDocumentString(`
    query SessionState($id: ID!) {
  session(id: $id) {
    ...SessionState
  }
}
    fragment SessionState on ChatSession {
  id
  status
  lastSeq
  queuePosition
  estimatedWaitSeconds
  resolution
  operator {
    name
  }
  rating {
    score
  }
}`) as unknown as TypedDocumentString<SessionStateQuery, SessionStateQueryVariables>;
export const SessionMessagesDocument = new TypedDocumentString(`
    query SessionMessages($id: ID!, $beforeSeq: Int!, $first: Int!) {
  session(id: $id) {
    ...SessionState
    messages(beforeSeq: $beforeSeq, first: $first) {
      ...MessageFields
    }
  }
}
    fragment SessionState on ChatSession {
  id
  status
  lastSeq
  queuePosition
  estimatedWaitSeconds
  resolution
  operator {
    name
  }
  rating {
    score
  }
}
fragment MessageFields on Message {
  id
  seq
  senderRole
  senderName
  content
  clientMessageId
  sentAt
}`) as unknown as TypedDocumentString<SessionMessagesQuery, SessionMessagesQueryVariables>;
export const StartSessionDocument = new TypedDocumentString(`
    mutation StartSession($input: StartSessionInput!) {
  startSession(input: $input) {
    ...SessionState
  }
}
    fragment SessionState on ChatSession {
  id
  status
  lastSeq
  queuePosition
  estimatedWaitSeconds
  resolution
  operator {
    name
  }
  rating {
    score
  }
}`) as unknown as TypedDocumentString<StartSessionMutation, StartSessionMutationVariables>;
export const SendMessageDocument = new TypedDocumentString(`
    mutation SendMessage($input: SendMessageInput!) {
  sendMessage(input: $input) {
    ...MessageFields
  }
}
    fragment MessageFields on Message {
  id
  seq
  senderRole
  senderName
  content
  clientMessageId
  sentAt
}`) as unknown as TypedDocumentString<SendMessageMutation, SendMessageMutationVariables>;
export const SetTypingDocument = new TypedDocumentString(`
    mutation SetTyping($sessionId: ID!, $isTyping: Boolean!) {
  setTyping(sessionId: $sessionId, isTyping: $isTyping)
}
    `) as unknown as TypedDocumentString<SetTypingMutation, SetTypingMutationVariables>;
export const LeaveSessionDocument = new TypedDocumentString(`
    mutation LeaveSession($sessionId: ID!) {
  closeSession(sessionId: $sessionId) {
    ...SessionState
  }
}
    fragment SessionState on ChatSession {
  id
  status
  lastSeq
  queuePosition
  estimatedWaitSeconds
  resolution
  operator {
    name
  }
  rating {
    score
  }
}`) as unknown as TypedDocumentString<LeaveSessionMutation, LeaveSessionMutationVariables>;
export const RateSessionDocument = new TypedDocumentString(`
    mutation RateSession($sessionId: ID!, $score: Int!, $comment: String) {
  rateSession(sessionId: $sessionId, score: $score, comment: $comment) {
    score
  }
}
    `) as unknown as TypedDocumentString<RateSessionMutation, RateSessionMutationVariables>;
export const SessionEventsDocument = new TypedDocumentString(`
    subscription SessionEvents($sessionId: ID!, $afterSeq: Int) {
  sessionEvents(sessionId: $sessionId, afterSeq: $afterSeq) {
    __typename
    ... on MessageCreated {
      message {
        ...MessageFields
      }
    }
    ... on QueuePositionChanged {
      position
      estimatedWaitSeconds
      operatorsOnline
    }
    ... on OperatorJoined {
      operator {
        name
      }
    }
    ... on SessionClosed {
      resolution
      closedBy
    }
    ... on TypingChanged {
      senderRole
      isTyping
    }
    ... on ParticipantPresenceChanged {
      role
      presence
    }
  }
}
    fragment MessageFields on Message {
  id
  seq
  senderRole
  senderName
  content
  clientMessageId
  sentAt
}`) as unknown as TypedDocumentString<SessionEventsSubscription, SessionEventsSubscriptionVariables>;