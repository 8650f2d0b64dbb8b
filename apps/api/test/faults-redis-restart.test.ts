// Fault 3: Redis is killed and started again (empty) during a conversation across two API instances.
// Open subscriptions come back by themselves; messages sent meanwhile are stored and delivered by
// catch-up, without the clients doing anything.
import { Client } from 'pg';
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

const OUTAGE_MS = 3000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('fault: Redis restarted during a conversation', () => {
  let deployment: FaultDeployment;
  let db: Client | undefined;
  const participants: ChatParticipant[] = [];

  beforeAll(async () => {
    deployment = await startFaultDeployment();
    await deployment.startApi();
  });
  afterAll(async () => {
    await Promise.all(participants.map((p) => p.stop()));
    await db?.end();
    await deployment?.dispose();
  });

  it('keeps subscriptions alive through the outage and delivers what was sent meanwhile, once, in order', async () => {
    const [a, b] = deployment.apis as [ApiChild, ApiChild];
    const random = seededRandom(3);
    db = await deployment.db();
    const operatorToken = await signInOperator(b.url, deployment.operator);
    const conversation = await visitorWithSession(a.url, 'visitor');
    for (const name of ['bystander-1', 'bystander-2']) await visitorWithSession(a.url, name);
    await gqlOk(b.url, ACCEPT_SESSION, { id: conversation.sessionId }, operatorToken);
    const queueBefore = await waitingQueue(a.url, operatorToken);

    const { sessionId } = conversation;
    const visitor = new ChatParticipant('visitor', { urls: [a.wsUrl], token: conversation.token, sessionId }).start();
    const operator = new ChatParticipant('operator', { urls: [b.wsUrl], token: operatorToken, sessionId }).start();
    participants.push(visitor, operator);
    await Promise.all([visitor.waitForSeq(2), operator.waitForSeq(2)]);

    let outage: { from: Date; to: Date } | undefined;
    const now = async () => (await db!.query<{ now: Date }>('SELECT clock_timestamp() AS now')).rows[0].now;
    const sent = await talkThrough(
      [visitor, operator],
      async () => {
        await Promise.all([visitor.waitForSeq(10), operator.waitForSeq(10)]);
        const from = await now();
        await deployment.redis.kill();
        await sleep(OUTAGE_MS);
        const to = await now();
        await deployment.redis.start();
        outage = { from, to };
      },
      // Nobody sends after Redis is back: what was sent meanwhile must arrive by catch-up alone.
      { random: random.next, after: 0, pauseMs: 50 },
    );

    const lastSeq = await expectEveryoneGotEverything([visitor, operator], sent);
    // The clients did nothing: their one subscription each came back by itself.
    expect(visitor.subscriptions).toBe(1);
    expect(operator.subscriptions).toBe(1);
    // Any send refused during the outage was refused with the retryable code, then retried.
    expect([...visitor.errorCodes, ...operator.errorCodes].filter((code) => code !== 'SERVICE_UNAVAILABLE')).toEqual([]);

    // Messages were stored while Redis was down.
    const meanwhile = await db.query('SELECT seq FROM message WHERE session_id = $1 AND sent_at > $2 AND sent_at < $3', [
      sessionId,
      outage!.from,
      outage!.to,
    ]);
    expect(meanwhile.rowCount).toBeGreaterThan(0);
    expect(await expectStoredExactlyOnce(db, sessionId, Object.keys(sent))).toBe(lastSeq);
    expect((await waitingQueue(a.url, operatorToken)).map((s) => s.id)).toEqual(queueBefore.map((s) => s.id));
    expect(await waitingQueue(b.url, operatorToken)).toEqual(queueBefore);
  });
});
