// acceptSession is safe to retry: the operator who already holds a chat (its first answer lost, or two of its
// own accepts racing) gets the chat back as a success, and nothing is announced again; another operator is
// still told SESSION_ALREADY_TAKEN.
import { QueueService } from '../src/sessions/queue.service';
import { errorCode, gql, gqlOk, record, wsClient } from './support/api-client';
import { ACCEPT_SESSION, CLOSE_SESSION, eventsOf, QUEUE_UPDATED, SESSION, SESSION_EVENTS } from './support/operations';
import { givenOperator, givenWaitingSession, startTestApi, TestApi } from './support/test-app';

describe('acceptSession retried by the operator who holds the chat', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  /** Lets would-be duplicate events and snapshots (published in the background) arrive before counting. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 500));

  it('answers the holder the chat as a success, with no second OperatorJoined, SYSTEM line or queue broadcast; another operator gets SESSION_ALREADY_TAKEN', async () => {
    await givenWaitingSession(api, 'Someone else waits too'); // the queue is not empty after the accept
    const { visitor, sessionId } = await givenWaitingSession(api, 'Is anyone there?');
    const holder = await givenOperator(api, { name: 'Holder', online: true });
    const other = await givenOperator(api, { name: 'Other', online: true });
    const visitorSocket = wsClient(api.wsUrl, visitor.token);
    const consoleSocket = wsClient(api.wsUrl, other.token);
    const broadcasts = jest.spyOn(api.app.get(QueueService), 'broadcastInBackground');
    try {
      const events = record(visitorSocket, SESSION_EVENTS, { id: sessionId, after: 0 }).recorder;
      const queue = record(consoleSocket, QUEUE_UPDATED).recorder;
      await events.waitFor((items) => eventsOf(items, 'MessageCreated').length === 1, 10000, 'the replayed first message');
      await queue.waitFor((items) => items.length >= 1, 10000, 'the first queue snapshot');

      const first = await gqlOk(api.httpUrl, ACCEPT_SESSION, { id: sessionId }, holder.token);
      await events.waitFor((items) => eventsOf(items, 'OperatorJoined').length === 1, 10000, 'OperatorJoined');
      // Other test files leave chats waiting in the shared database: the snapshot that matters is the one without this chat.
      const without = (item: Record<string, any> | undefined) => !!item && (item.queueUpdated.sessions as { id: string }[]).every((s) => s.id !== sessionId);
      await queue.waitFor((items) => without(items.at(-1)), 10000, 'the queue without the chat');
      await settle();
      const snapshots = queue.items.length;
      broadcasts.mockClear(); // the accept's broadcast, and any of the sockets' presence

      // The answer was lost; the console sends the same accept again.
      const again = await gql(api.httpUrl, ACCEPT_SESSION, { id: sessionId }, holder.token);
      expect(again.errors).toBeUndefined();
      expect(again.data!.acceptSession).toEqual(first.acceptSession);
      expect(again.data!.acceptSession).toMatchObject({ status: 'ACTIVE', operator: { id: holder.id, name: 'Holder' } });

      // Someone else is still refused.
      const taken = await gql(api.httpUrl, ACCEPT_SESSION, { id: sessionId }, other.token);
      expect(errorCode(taken)).toBe('SESSION_ALREADY_TAKEN');
      expect(taken.errors![0].message).toBe(`Chat session ${sessionId} was already accepted by another operator`);

      await settle();
      expect(eventsOf(events.items, 'OperatorJoined')).toHaveLength(1);
      expect(eventsOf(events.items, 'MessageCreated').map((e) => e.message.content)).toEqual(['Is anyone there?', 'Holder joined the chat']);
      expect(broadcasts).not.toHaveBeenCalled();
      expect(queue.items).toHaveLength(snapshots);
      const stored = await gqlOk(api.httpUrl, SESSION, { id: sessionId }, holder.token);
      expect(stored.session.messages.filter((m: { senderRole: string }) => m.senderRole === 'SYSTEM')).toHaveLength(1);
      expect(stored.session.operator.id).toBe(holder.id);
    } finally {
      broadcasts.mockRestore();
      await Promise.all([visitorSocket.dispose(), consoleSocket.dispose()]);
    }
  });

  it("two of the holder's own accepts racing both succeed, with one OperatorJoined", async () => {
    const { visitor, sessionId } = await givenWaitingSession(api, 'Hello?');
    const holder = await givenOperator(api, { name: 'Quick', online: true });
    const socket = wsClient(api.wsUrl, visitor.token);
    try {
      const events = record(socket, SESSION_EVENTS, { id: sessionId, after: 0 }).recorder;
      await events.waitFor((items) => eventsOf(items, 'MessageCreated').length === 1, 10000, 'the replayed first message');
      const answers = await Promise.all([1, 2, 3].map(() => gql(api.httpUrl, ACCEPT_SESSION, { id: sessionId }, holder.token)));
      expect(answers.map((answer) => answer.errors)).toEqual([undefined, undefined, undefined]);
      expect(answers.map((answer) => answer.data!.acceptSession.operator.id)).toEqual([holder.id, holder.id, holder.id]);
      await events.waitFor((items) => eventsOf(items, 'OperatorJoined').length === 1, 10000, 'OperatorJoined');
      await settle();
      expect(eventsOf(events.items, 'OperatorJoined')).toHaveLength(1);
    } finally {
      await socket.dispose();
    }
  });

  it('a retry after the chat was closed is told SESSION_CLOSED, holder or not', async () => {
    const { sessionId } = await givenWaitingSession(api);
    const holder = await givenOperator(api, { online: true });
    await gqlOk(api.httpUrl, ACCEPT_SESSION, { id: sessionId }, holder.token);
    await gqlOk(api.httpUrl, CLOSE_SESSION, { id: sessionId, resolution: 'Done' }, holder.token);
    expect(errorCode(await gql(api.httpUrl, ACCEPT_SESSION, { id: sessionId }, holder.token))).toBe('SESSION_CLOSED');
  });
});
