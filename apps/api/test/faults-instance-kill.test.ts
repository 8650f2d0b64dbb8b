// Fault 2: two API instances, the visitor on one and the operator on the other; the visitor's instance
// is SIGKILLed mid-conversation. Both clients end up on the survivor and catch up with afterSeq.
import { gqlOk } from './support/api-client';
import { ApiChild } from './support/api-process';
import { ChatParticipant } from './support/chat-participant';
import { expectEveryoneGotEverything, talkThrough } from './support/conversation';
import {
  expectStoredExactlyOnce,
  FaultDeployment,
  signInOperator,
  startFaultDeployment,
  visitorWithSession,
  waitingQueue,
} from './support/fault-deployment';
import { ACCEPT_SESSION } from './support/operations';
import { seededRandom } from './support/seeded-random';

jest.setTimeout(120_000);

describe('fault: an API instance is SIGKILLed mid-conversation', () => {
  let deployment: FaultDeployment;
  const participants: ChatParticipant[] = [];

  beforeAll(async () => {
    deployment = await startFaultDeployment();
    await deployment.startApi();
  });
  afterAll(async () => {
    await Promise.all(participants.map((p) => p.stop()));
    await deployment?.dispose();
  });

  it('loses, doubles and reorders nothing; clients resume on the survivor', async () => {
    const [doomed, survivor] = deployment.apis as [ApiChild, ApiChild];
    const random = seededRandom(2);
    const operatorToken = await signInOperator(survivor.url, deployment.operator);
    const conversation = await visitorWithSession(doomed.url, 'visitor');
    for (const name of ['bystander-1', 'bystander-2']) await visitorWithSession(doomed.url, name);
    await gqlOk(survivor.url, ACCEPT_SESSION, { id: conversation.sessionId }, operatorToken);
    const queueBefore = await waitingQueue(survivor.url, operatorToken);

    // A naive load balancer: each new connection goes to the next URL in the list.
    const { sessionId } = conversation;
    const visitor = new ChatParticipant('visitor', { urls: [doomed.wsUrl, survivor.wsUrl], token: conversation.token, sessionId }).start();
    const operator = new ChatParticipant('operator', { urls: [survivor.wsUrl, doomed.wsUrl], token: operatorToken, sessionId }).start();
    participants.push(visitor, operator);
    await Promise.all([visitor.waitForSeq(2), operator.waitForSeq(2)]);

    let killedAtSeq = 0;
    const sent = await talkThrough(
      [visitor, operator],
      async () => {
        await visitor.waitForSeq(30);
        killedAtSeq = visitor.seq;
        await doomed.stop('SIGKILL');
        // Keep talking until the visitor is back, resumed on the survivor, and has caught up.
        await visitor.waitForSeq(killedAtSeq + 20);
      },
      { random: random.next, after: 10 },
    );
    expect(doomed.child.signalCode).toBe('SIGKILL');
    expect(visitor.subscriptions).toBeGreaterThanOrEqual(2);

    const lastSeq = await expectEveryoneGotEverything([visitor, operator], sent);
    expect(lastSeq).toBeGreaterThan(killedAtSeq + 20);
    const db = await deployment.db();
    try {
      expect(await expectStoredExactlyOnce(db, sessionId, Object.keys(sent))).toBe(lastSeq);
    } finally {
      await db.end();
    }
    expect(await waitingQueue(survivor.url, operatorToken)).toEqual(queueBefore);
  });
});
