// Fault 1: the visitor's and the operator's sockets are cut 100 times at random moments during a
// conversation, including between the server storing a message and the client hearing about it.
import { gqlOk } from './support/api-client';
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
import { CuttableProxy, startCuttableProxy } from './support/tcp-proxy';

jest.setTimeout(120_000);

const CUTS = 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('fault: sockets cut at random moments', () => {
  let deployment: FaultDeployment;
  const proxies: CuttableProxy[] = [];
  const participants: ChatParticipant[] = [];

  beforeAll(async () => {
    deployment = await startFaultDeployment();
  });
  afterAll(async () => {
    await Promise.all(participants.map((p) => p.stop()));
    await Promise.all(proxies.map((p) => p.close()));
    await deployment?.dispose();
  });

  it(`delivers every message exactly once and in seq order to both sides through ${CUTS} cuts`, async () => {
    const api = deployment.apis[0];
    const random = seededRandom(20261130);
    const operatorToken = await signInOperator(api.url, deployment.operator);
    const conversation = await visitorWithSession(api.url, 'visitor');
    // Bystanders waiting behind: the queue must come out of the storm exactly as it went in.
    for (const name of ['bystander-1', 'bystander-2', 'bystander-3']) await visitorWithSession(api.url, name);
    await gqlOk(api.url, ACCEPT_SESSION, { id: conversation.sessionId }, operatorToken);
    const queueBefore = await waitingQueue(api.url, operatorToken);
    expect(queueBefore.map((s) => s.queuePosition)).toEqual([1, 2, 3]);

    // Each side reaches the API through a proxy the test can cut.
    const apiPort = Number(new URL(api.url).port);
    const [visitorProxy, operatorProxy] = await Promise.all([startCuttableProxy(apiPort), startCuttableProxy(apiPort)]);
    proxies.push(visitorProxy, operatorProxy);
    const through = (proxy: CuttableProxy) => [`ws://127.0.0.1:${proxy.port}/graphql`];
    const { sessionId } = conversation;
    const visitor = new ChatParticipant('visitor', { urls: through(visitorProxy), token: conversation.token, sessionId }).start();
    const operator = new ChatParticipant('operator', { urls: through(operatorProxy), token: operatorToken, sessionId }).start();
    participants.push(visitor, operator);
    await Promise.all([visitor.waitForSeq(2), operator.waitForSeq(2)]); // the first message and "joined"

    let cuts = 0;
    const droppedAnswers: string[] = [];
    const sent = await talkThrough(
      [visitor, operator],
      async () => {
        for (let round = 0; cuts < CUTS && round < CUTS * 20; round++) {
          const proxy = random.next() < 0.5 ? visitorProxy : operatorProxy;
          if (random.next() < 0.35) {
            // Mid-send: the server stored the message and answered; the answer dies with the socket.
            const dropped = await proxy.cutOnResponse('"sendMessage"', 2000);
            if (dropped) {
              cuts++;
              droppedAnswers.push(/"sendMessage":\{[^}]*"clientMessageId":"([^"]+)"/.exec(dropped)?.[1] ?? dropped);
            }
          } else {
            await sleep(random.below(60)); // any moment: idle, sending, resubscribing, replaying
            if (proxy.cut() > 0) cuts++;
          }
        }
      },
      { random: random.next, after: 10 },
    );
    expect(cuts).toBe(CUTS);

    const lastSeq = await expectEveryoneGotEverything([visitor, operator], sent);

    // The storm really hit sends in flight, and their retries got the stored message back.
    expect(droppedAnswers.length).toBeGreaterThanOrEqual(10);
    const retried = new Set([...visitor.retried, ...operator.retried]);
    expect(droppedAnswers.filter((id) => !retried.has(id))).toEqual([]);
    // Most cuts took a subscription down (a cut while a participant was already reconnecting may not).
    expect(visitor.subscriptions + operator.subscriptions).toBeGreaterThan(CUTS / 2);

    const db = await deployment.db();
    try {
      expect(await expectStoredExactlyOnce(db, sessionId, Object.keys(sent))).toBe(lastSeq);
    } finally {
      await db.end();
    }
    // The queue is intact: same sessions, same order, same positions; the conversation still assigned.
    expect(await waitingQueue(api.url, operatorToken)).toEqual(queueBefore);
    const active = await gqlOk(api.url, '{ sessions(status: ACTIVE) { nodes { id } } }', {}, operatorToken);
    expect(active.sessions.nodes).toEqual([{ id: sessionId }]);
  }, 120_000);
});
