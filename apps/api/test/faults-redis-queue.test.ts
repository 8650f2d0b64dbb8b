// Fault: Redis restarted (empty), or failed over to a replica whose queue counter was behind, while an
// operator's console follows the waiting queue on one API instance and visitors join through another.
// The open `queueUpdated` subscription reads the queue again once Redis is back and goes on with every
// change, without the client doing anything.
import Redis from 'ioredis';
import { ApiChild } from './support/api-process';
import { record, Recorder, wsClient } from './support/api-client';
import { FaultDeployment, signInOperator, startFaultDeployment, visitorWithSession } from './support/fault-deployment';
import { QUEUE_UPDATED } from './support/operations';
import { eventually } from './support/wait-for';

jest.setTimeout(120_000);

type QueueUpdated = { queueUpdated: { count: number; sessions: Array<{ id: string }> } };
type Snapshots = Recorder<QueueUpdated>;

describe('fault: Redis lost while an operator follows the waiting queue', () => {
  let deployment: FaultDeployment;
  let a: ApiChild;
  let b: ApiChild;
  let operatorToken: string;

  beforeAll(async () => {
    deployment = await startFaultDeployment();
    [a, b] = [deployment.apis[0], await deployment.startApi()];
    operatorToken = await signInOperator(b.url, deployment.operator);
  });
  afterAll(() => deployment?.dispose());

  /** Ids of the last snapshot pushed. */
  const lastIds = (snapshots: Snapshots) => snapshots.items.at(-1)?.queueUpdated.sessions.map((s) => s.id) ?? [];

  /** A visitor joining through `a`, retried while `a` has not got Redis back yet. */
  const join = (name: string) =>
    eventually(() => visitorWithSession(a.url, name).catch(() => undefined), `${name} joined through the first instance`, 30_000);

  /** Follows the queue on `b`, runs `fault`, and expects the queue as it is, then a visitor joining after. */
  async function followThrough(fault: (redis: Redis) => Promise<void>): Promise<void> {
    const ws = wsClient(b.wsUrl, operatorToken);
    const admin = new Redis(deployment.redis.url, { maxRetriesPerRequest: null });
    try {
      const snapshots = record<QueueUpdated>(ws, QUEUE_UPDATED).recorder;
      const before = await join('before');
      await snapshots.waitFor((items) => items.length > 0 && lastIds(snapshots).includes(before.sessionId), 10_000, 'the visitor before');
      const pushed = snapshots.items.length;

      await fault(admin);
      await snapshots.waitFor((items) => items.length > pushed, 30_000, 'the queue read again once Redis is back');
      const after = await join('after');
      await snapshots.waitFor(() => lastIds(snapshots).includes(after.sessionId), 15_000, 'the visitor who joined after');
      // The one subscription went on by itself.
      expect([snapshots.error, snapshots.completed]).toEqual([undefined, false]);
    } finally {
      admin.disconnect();
      await ws.dispose();
    }
  }

  it('restarted empty: the open subscription gets the queue again, then every change', async () => {
    await followThrough(async () => {
      await deployment.redis.kill();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await deployment.redis.start();
    });
  });

  it('failed over to a replica whose counter was behind: later snapshots are not taken for old ones', async () => {
    await followThrough(async (admin) => {
      // The counter goes back, as on a replica that had not caught up, and the subscriber connections drop.
      await admin.set(`${deployment.env.REDIS_PREFIX}:queue:version`, '1');
      await admin.client('KILL', 'TYPE', 'pubsub');
    });
  });
});
