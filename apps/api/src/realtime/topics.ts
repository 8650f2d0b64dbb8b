/**
 * Redis pub/sub channel names. Every channel carries the deployment's `REDIS_PREFIX`, because
 * pub/sub channels are global to a Redis server (not per database).
 */
export class Topics {
  constructor(private readonly prefix: string) {}

  /** Events of one chat session (`SessionEvent` union payloads). */
  session(sessionId: string): string {
    return `${this.prefix}:session:${sessionId}`;
  }

  /** Waiting-queue snapshots for operators (`queueUpdated`). */
  queue(): string {
    return `${this.prefix}:queue`;
  }

  /** Operators disabled (`{ operatorId }`): every instance closes their sockets. */
  operatorDisabled(): string {
    return `${this.prefix}:operator-disabled`;
  }
}
