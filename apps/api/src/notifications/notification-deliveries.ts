import { EntityManager } from '@mikro-orm/postgresql';
import { sql } from '../database/sql';
import { NotificationJobData, targetKey } from './notification-jobs';

/** Whether this notification was already accepted by its channel (see {@link recordDelivery}). */
export async function wasDelivered(em: EntityManager, job: NotificationJobData): Promise<boolean> {
  const rows = await sql(em, 'SELECT 1 FROM notification_delivery WHERE session_id = ? AND event = ? AND channel = ?', [
    job.sessionId,
    job.event,
    targetKey(job.target),
  ]);
  return rows.length > 0;
}

/**
 * Records that the channel accepted this notification; a second record of the same one is a no-op
 * (unique `notification_delivery_once`). Called right after the channel's answer: a process that dies
 * between that answer and this write is the one window in which a retry sends again.
 */
export async function recordDelivery(em: EntityManager, job: NotificationJobData): Promise<void> {
  await sql(
    em,
    `INSERT INTO notification_delivery (id, session_id, event, channel) VALUES (gen_random_uuid(), ?, ?, ?)
     ON CONFLICT ON CONSTRAINT notification_delivery_once DO NOTHING`,
    [job.sessionId, job.event, targetKey(job.target)],
  );
}
