import { Logger } from '@nestjs/common';
import Redis from 'ioredis';

/**
 * Tells listeners each time the pub/sub subscriber connection is back after Redis was lost (restart,
 * failover, network) with its subscriptions active again.
 *
 * ioredis re-sends every SUBSCRIBE by itself when the connection is ready again (`autoResubscribe`, on by
 * default), so open `sessionEvents` streams keep their channels. What it cannot give back are the events
 * published while the subscriber was away: listeners catch up from PostgreSQL (see `SessionEventStream`).
 * They are called only once a PING sent after the re-sent SUBSCRIBEs is answered — Redis answers one
 * connection's commands in order — so whatever is published from then on reaches this instance.
 */
export class PubSubReconnects {
  private readonly logger = new Logger('Redis');
  private readonly listeners = new Set<() => void>();
  private wasReady: boolean;

  constructor(private readonly subscriber: Redis) {
    this.wasReady = subscriber.status === 'ready';
    subscriber.on('ready', () => this.onReady());
  }

  /** Calls `listener` after every reconnection (not the first connection). @returns a function that stops it. */
  listen(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private onReady(): void {
    if (!this.wasReady) {
      this.wasReady = true;
      return;
    }
    // ioredis emits `ready` before it re-sends the SUBSCRIBEs (synchronously, in the same handler): a PING
    // queued from a microtask goes out after them.
    queueMicrotask(() => {
      this.subscriber.ping().then(
        () => {
          this.logger.log(`Subscriptions active again; ${this.listeners.size} listener(s) catching up`);
          for (const listener of [...this.listeners]) listener();
        },
        // Lost again before the answer: the next `ready` tries again.
        (error: Error) => this.logger.warn(`Redis (subscriber) lost again while resubscribing: ${error.message}`),
      );
    });
  }
}
