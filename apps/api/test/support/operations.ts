/** GraphQL documents the integration tests send, written as a client would. */
export const MESSAGE_FIELDS = 'id sessionId seq senderRole senderName content systemEvent clientMessageId sentAt';

export const SESSION_EVENTS = `subscription($id: ID!, $after: Int) {
  sessionEvents(sessionId: $id, afterSeq: $after) {
    __typename
    ... on MessageCreated { sessionId message { ${MESSAGE_FIELDS} } }
    ... on QueuePositionChanged { sessionId position estimatedWaitSeconds operatorsOnline }
    ... on OperatorJoined { sessionId operator { id name email } }
    ... on SessionClosed { sessionId resolution closedBy closedAt }
    ... on TypingChanged { sessionId senderRole isTyping }
  }
}`;

export const QUEUE_UPDATED = `subscription { queueUpdated { count sessions { id queuePosition estimatedWaitSeconds preview visitor { name } } } }`;

export const START_SESSION = `mutation($input: StartSessionInput) {
  startSession(input: $input) { id status queuePosition estimatedWaitSeconds lastSeq visitor { id name } }
}`;

export const SEND_MESSAGE = `mutation($input: SendMessageInput!) { sendMessage(input: $input) { ${MESSAGE_FIELDS} } }`;

export const ACCEPT_SESSION = `mutation($id: ID!) {
  acceptSession(sessionId: $id) { id status operator { id name } messages { ${MESSAGE_FIELDS} } }
}`;

export const CLOSE_SESSION = `mutation($id: ID!, $resolution: String) {
  closeSession(sessionId: $id, resolution: $resolution) { id status resolution closedAt }
}`;

export const RATE_SESSION = `mutation($id: ID!, $score: Int!, $comment: String) {
  rateSession(sessionId: $id, score: $score, comment: $comment) { id score comment }
}`;

export const SESSION = `query($id: ID!, $after: Int, $before: Int, $first: Int) {
  session(id: $id) {
    id status resolution closedBy queuePosition estimatedWaitSeconds lastSeq
    operator { id name }
    rating { score comment }
    messages(afterSeq: $after, beforeSeq: $before, first: $first) { ${MESSAGE_FIELDS} }
  }
}`;

export const SET_TYPING = `mutation($id: ID!, $typing: Boolean!) { setTyping(sessionId: $id, isTyping: $typing) }`;

/** Shorthand for a MessageCreated event's message. */
export function messagesOf(events: any[]): any[] {
  return events.filter((e) => e.sessionEvents.__typename === 'MessageCreated').map((e) => e.sessionEvents.message);
}

/** Events of one type. */
export function eventsOf(events: any[], typename: string): any[] {
  return events.map((e) => e.sessionEvents).filter((e) => e.__typename === typename);
}
