// Fault 5: the API process is killed and started again while chat sessions wait. The waiting queue, every
// position and every assignment are exactly as before, and waiting visitors resume where they were.
import type { Client } from 'graphql-ws';
import { gqlOk, record, wsClient } from './support/api-client';
import { FaultDeployment, signInOperator, startFaultDeployment, visitorWithSession } from './support/fault-deployment';
import { ACCEPT_SESSION, CLOSE_SESSION, eventsOf, SESSION, SESSION_EVENTS } from './support/operations';

jest.setTimeout(120_000);

const QUEUE = `{ waitingSessions { id status queuePosition estimatedWaitSeconds queuedAt preview visitor { id name } } }`;
const ACTIVE = `{ sessions(status: ACTIVE) { nodes { id status acceptedAt lastSeq operator { id name } visitor { id } } } }`;

describe('fault: the API restarted with chat sessions waiting', () => {
  let deployment: FaultDeployment;
  const clients: Client[] = [];

  beforeAll(async () => {
    deployment = await startFaultDeployment();
  });
  afterAll(async () => {
    await Promise.all(clients.map(async (c) => c.dispose()));
    await deployment?.dispose();
  });

  it('keeps the queue, positions and assignments exactly as they were', async () => {
    const before = deployment.apis[0];
    const second = await deployment.createOperator('Bob Second');
    const ann = await signInOperator(before.url, deployment.operator);
    const bob = await signInOperator(before.url, second);

    const visitors = [];
    for (let i = 1; i <= 7; i++) visitors.push(await visitorWithSession(before.url, `visitor-${i}`));
    await gqlOk(before.url, ACCEPT_SESSION, { id: visitors[1].sessionId }, ann);
    await gqlOk(before.url, ACCEPT_SESSION, { id: visitors[3].sessionId }, bob);
    await gqlOk(before.url, CLOSE_SESSION, { id: visitors[6].sessionId, resolution: 'Spam' }, ann);
    const waiting = [visitors[0], visitors[2], visitors[4], visitors[5]];

    const snapshot = async (url: string) => ({
      queue: (await gqlOk(url, QUEUE, {}, ann)).waitingSessions,
      active: (await gqlOk(url, ACTIVE, {}, bob)).sessions.nodes,
      // What each waiting visitor sees of its own session.
      own: await Promise.all(waiting.map(async (v) => (await gqlOk(url, SESSION, { id: v.sessionId }, v.token)).session)),
    });
    const was = await snapshot(before.url);
    expect(was.queue.map((s: { id: string }) => s.id)).toEqual(waiting.map((v) => v.sessionId));
    expect(was.queue.map((s: { queuePosition: number }) => s.queuePosition)).toEqual([1, 2, 3, 4]);
    expect(was.active.map((s: { id: string; operator: { name: string } }) => [s.id, s.operator.name]).sort()).toEqual(
      [
        [visitors[1].sessionId, 'Demo Operator'],
        [visitors[3].sessionId, 'Bob Second'],
      ].sort(),
    );

    // Killed: nothing gets a chance to be saved on the way out.
    await before.stop('SIGKILL');
    const after = await deployment.startApi();
    expect(await snapshot(after.url)).toEqual(was);

    // Waiting visitors reconnect to the new process and are told the same place in the queue.
    for (const [index, visitor] of waiting.entries()) {
      const client = wsClient(after.wsUrl, visitor.token);
      clients.push(client);
      const { recorder } = record(client, SESSION_EVENTS, { id: visitor.sessionId, after: 1 });
      const [place] = eventsOf(await recorder.waitFor((items) => eventsOf(items, 'QueuePositionChanged').length > 0), 'QueuePositionChanged');
      expect(place).toMatchObject({ position: index + 1, estimatedWaitSeconds: was.queue[index].estimatedWaitSeconds });
    }

    // And the queue goes on, first in, first out.
    const accepted = await gqlOk(after.url, ACCEPT_SESSION, { id: waiting[0].sessionId }, bob);
    expect(accepted.acceptSession.status).toBe('ACTIVE');
    const queue = (await gqlOk(after.url, QUEUE, {}, ann)).waitingSessions;
    expect(queue.map((s: { id: string; queuePosition: number }) => [s.id, s.queuePosition])).toEqual(
      waiting.slice(1).map((v, i) => [v.sessionId, i + 1]),
    );
  });
});
