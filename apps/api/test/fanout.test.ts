// Two API processes on one Redis: one in this test process, one a real child process from the build,
// started in another time zone. Each delivers the other's events, with identical UTC times.
process.env.TZ = 'America/Los_Angeles';

import { GraphQLSchemaHost } from '@nestjs/graphql';
import { parse, separateOperations } from 'graphql';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sameForEverySubscriber } from '../src/common/compiled-execution';
import { gqlOk, record, wsClient } from './support/api-client';
import { ApiChild, startApiChild } from './support/api-process';
import { ACCEPT_SESSION, eventsOf, messagesOf, SEND_MESSAGE, SESSION, SESSION_EVENTS } from './support/operations';
import { givenOperator, givenWaitingSession, startTestApi, TestApi } from './support/test-app';

const ROOT = path.resolve(__dirname, '../../..');

describe('two API processes sharing Redis', () => {
  let a: TestApi;
  let b: ApiChild;

  beforeAll(async () => {
    a = await startTestApi();
    b = await startApiChild({
      DATABASE_URL: a.config.databaseUrl,
      REDIS_PREFIX: a.config.redisPrefix,
      JWT_SECRET: a.config.jwtSecret,
      TZ: 'Asia/Kathmandu',
    });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.close();
  });

  it('delivers events published by one instance to subscribers of the other, in both directions', async () => {
    const { visitor, sessionId } = await givenWaitingSession(a, 'Hi from instance A');
    const operator = await givenOperator(a, { name: 'Bea' });
    const visitorWs = wsClient(a.wsUrl, visitor.token); // visitor on A
    const operatorWs = wsClient(b.wsUrl, operator.token); // operator on B
    try {
      const visitorSide = record(visitorWs, SESSION_EVENTS, { id: sessionId, after: 0 });
      await visitorSide.recorder.waitFor((items) => messagesOf(items).length === 1, 10000, 'replay on A');

      await gqlOk(b.url, ACCEPT_SESSION, { id: sessionId }, operator.token); // accepted through B
      await visitorSide.recorder.waitFor((items) => eventsOf(items, 'OperatorJoined').length === 1, 10000, 'OperatorJoined via Redis');

      const operatorSide = record(operatorWs, SESSION_EVENTS, { id: sessionId, after: 2 });
      const fromB = await gqlOk(b.url, SEND_MESSAGE, { input: { sessionId, content: 'Reply via B', clientMessageId: 'b1' } }, operator.token);
      const fromA = await gqlOk(a.httpUrl, SEND_MESSAGE, { input: { sessionId, content: 'Answer via A', clientMessageId: 'a1' } }, visitor.token);

      await visitorSide.recorder.waitFor((items) => messagesOf(items).length === 4, 10000, 'B → A');
      await operatorSide.recorder.waitFor((items) => messagesOf(items).length === 2, 10000, 'A → B');
      expect(messagesOf(operatorSide.recorder.items).map((m) => m.content)).toEqual(['Reply via B', 'Answer via A']);

      // Dates survive the Redis round trip and no server time zone shifts them.
      const liveOnA = messagesOf(visitorSide.recorder.items).find((m) => m.id === fromB.sendMessage.id);
      const liveOnB = messagesOf(operatorSide.recorder.items).find((m) => m.id === fromA.sendMessage.id);
      expect(liveOnA.sentAt).toBe(fromB.sendMessage.sentAt);
      expect(liveOnB.sentAt).toBe(fromA.sendMessage.sentAt);
      const historyOnA = await gqlOk(a.httpUrl, SESSION, { id: sessionId }, operator.token);
      const historyOnB = await gqlOk(b.url, SESSION, { id: sessionId }, operator.token);
      expect(historyOnA.session.messages).toEqual(historyOnB.session.messages);
      expect(historyOnA.session.messages.find((m: any) => m.id === fromB.sendMessage.id).sentAt).toBe(fromB.sendMessage.sentAt);
      expect(fromB.sendMessage.sentAt.endsWith('Z')).toBe(true);
      // Enums arrive intact.
      expect(liveOnA.senderRole).toBe('OPERATOR');
      expect(liveOnB.senderRole).toBe('VISITOR');
    } finally {
      await visitorWs.dispose();
      await operatorWs.dispose();
    }
  });

  it("judges the widget's and the console's SessionEvents documents the same for every subscriber (one mapping per event)", () => {
    const schema = a.app.get(GraphQLSchemaHost).schema;
    // What each client sends: its SessionEvents operation with the fragments it uses.
    const sent = (...files: string[]) =>
      separateOperations(parse(files.map((file) => readFileSync(path.join(ROOT, file), 'utf8')).join('\n'))).SessionEvents;
    const widget = sent('apps/widget/src/operations.graphql');
    const consoleDocument = sent('libs/graphql/src/operator/sessions.graphql', 'libs/graphql/src/operator/fragments.graphql');
    expect(sameForEverySubscriber({ schema, document: widget })).toBe(true);
    expect(sameForEverySubscriber({ schema, document: consoleDocument })).toBe(true);
  });
});
