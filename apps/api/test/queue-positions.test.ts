import { Client } from 'graphql-ws';
import { QueueService } from '../src/sessions/queue.service';
import { QueueVersions } from '../src/sessions/queue-versions';
import { gqlOk, record, Recorder, wsClient } from './support/api-client';
import { eventsOf, SESSION_EVENTS, SET_TYPING } from './support/operations';
import { givenOperator, givenWaitingSession, heldBroadcast, queueAnnounced, resetDatabase, startTestApi, TestApi } from './support/test-app';

const SET_PRESENCE = 'mutation($p: Presence!) { setPresence(presence: $p) { presence } }';

type Events = Recorder<{ sessionEvents: Record<string, any> }>;

/** `operatorsOnline` of each `QueuePositionChanged` the widget received, in order. */
const operatorsOnline = (events: Events) => eventsOf(events.items, 'QueuePositionChanged').map((e) => e.operatorsOnline as number);

/**
 * A waiting visitor's queue positions when broadcasts of two instances of one deployment reach Redis out of
 * order: each position carries its broadcast's version, and `sessionEvents` drops one older than what it
 * already sent (`SessionEventStream`), the first position included.
 */
describe('queue positions of a waiting visitor across instances', () => {
  let api: TestApi;
  let other: TestApi;

  beforeAll(async () => {
    api = await startTestApi();
    other = await startTestApi({ REDIS_PREFIX: api.config.redisPrefix });
  });
  beforeEach(() => resetDatabase(api));
  afterAll(async () => {
    await other.close();
    await api.close();
  });

  /** The visitor's widget on this instance: a `sessionEvents` subscription. */
  function openWidget(token: string, sessionId: string): { client: Client; events: Events } {
    const client = wsClient(api.wsUrl, token);
    return { client, events: record(client, SESSION_EVENTS, { id: sessionId }).recorder as Events };
  }

  /**
   * Publishes a typing change from the other instance and waits until the widget has it: the other
   * instance's events reach Redis in order on its one publisher connection, so a position it published
   * before has then reached the widget's stream too (delivered or dropped).
   */
  async function afterTheOtherInstancesEvents(widget: { events: Events }, visitorToken: string, sessionId: string): Promise<void> {
    await gqlOk(other.httpUrl, SET_TYPING, { id: sessionId, typing: true }, visitorToken);
    await widget.events.waitFor((items) => eventsOf(items, 'TypingChanged').length > 0, 10000, 'the typing change');
  }

  it("never pushes an older broadcast's operatorsOnline after a newer one's at the same position", async () => {
    const operator = await givenOperator(api, { online: true });
    const { visitor, sessionId } = await givenWaitingSession(api, 'Hello');
    const widget = openWidget(visitor.token, sessionId);
    await widget.events.waitFor(() => operatorsOnline(widget.events).length > 0, 10000, 'the first position');
    const slow = await heldBroadcast(other);
    try {
      expect(slow.read.operatorsOnline).toBe(1);

      await gqlOk(api.httpUrl, SET_PRESENCE, { p: 'AWAY' }, operator.token); // broadcast by this instance, after the other's read
      await widget.events.waitFor(() => operatorsOnline(widget.events).at(-1) === 0, 10000, 'nobody online');
      slow.release();
      await slow.published; // position 1 with one operator online: older than what the widget has
      await afterTheOtherInstancesEvents(widget, visitor.token, sessionId);

      expect(operatorsOnline(widget.events)).toEqual([1, 0]);
    } finally {
      slow.release();
      slow.restore();
      await widget.client.dispose();
    }
  });

  it("never pushes, after a subscription's first position, a broadcast that read the queue before it", async () => {
    const operator = await givenOperator(api, { online: true });
    const { visitor, sessionId } = await givenWaitingSession(api, 'Hello');
    const slow = await heldBroadcast(other);
    expect(slow.read.operatorsOnline).toBe(1);
    await gqlOk(api.httpUrl, SET_PRESENCE, { p: 'AWAY' }, operator.token);
    await queueAnnounced(api); // published before the widget subscribes: it sees no live position of its own
    const widget = openWidget(visitor.token, sessionId);
    try {
      await widget.events.waitFor(() => operatorsOnline(widget.events).length > 0, 10000, 'the first position');
      slow.release();
      await slow.published; // versioned before the first position's read, published after it
      await afterTheOtherInstancesEvents(widget, visitor.token, sessionId);

      expect(operatorsOnline(widget.events)).toEqual([0]);
    } finally {
      slow.release();
      slow.restore();
      await widget.client.dispose();
    }
  });

  it('sends the first position without a version when Redis cannot give one, and the next broadcast still reaches the widget', async () => {
    const operator = await givenOperator(api, { online: true });
    const { visitor, sessionId } = await givenWaitingSession(api, 'Hello');
    // The counter read of the subscription's first position fails as ioredis fails a command on a lost connection.
    const { versions } = api.app.get<QueueService, { versions: QueueVersions }>(QueueService);
    const current = jest.spyOn(versions, 'current').mockRejectedValueOnce(new Error('Connection is closed.'));
    const widget = openWidget(visitor.token, sessionId);
    try {
      await widget.events.waitFor(() => operatorsOnline(widget.events).length > 0, 10000, 'the first position');
      expect(current).toHaveBeenCalledTimes(1);
      await gqlOk(api.httpUrl, SET_PRESENCE, { p: 'AWAY' }, operator.token);
      await widget.events.waitFor(() => operatorsOnline(widget.events).at(-1) === 0, 10000, 'the broadcast after it');
      expect(operatorsOnline(widget.events)).toEqual([1, 0]);
    } finally {
      current.mockRestore();
      await widget.client.dispose();
    }
  });
});
