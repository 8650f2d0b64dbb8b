/**
 * Redis pub/sub channel names, and the key that orders the queue channel's snapshots. Every channel
 * carries the deployment's `REDIS_PREFIX`, because pub/sub channels are global to a Redis server (not per
 * database).
 */
export class Topics {
  constructor(private readonly prefix: string) {}

  /** Events of one chat session (`SessionEvent` union payloads). */
  session(sessionId: string): string {
    return `${this.prefix}:session:${sessionId}`;
  }

  /** Waiting-queue snapshots for operators (`queueUpdated`), each with its version (`VersionedQueueSnapshot`). */
  queue(): string {
    return `${this.prefix}:queue`;
  }

  /**
   * The key (not a channel) of the counter that versions the {@link queue} channel's snapshots: an integer,
   * shared by every instance (see `QueueVersions`).
   */
  queueVersion(): string {
    return `${this.prefix}:queue:version`;
  }

  /** Operators disabled (`{ operatorId }`): every instance closes their sockets. */
  operatorDisabled(): string {
    return `${this.prefix}:operator-disabled`;
  }
}
