import { ChannelSource, ChannelStream } from './channel-stream';
import { VersionedQueueSnapshot } from './models/chat-session.model';

/** What a {@link QueueSnapshotStream} needs from the rest of the API. */
export interface QueueSnapshotSource extends ChannelSource {
  /**
   * The waiting queue now, versioned with the counter's current value read BEFORE the queue was
   * (`QueueService.currentSnapshot`).
   */
  currentSnapshot(): Promise<VersionedQueueSnapshot>;
}

/**
 * The `queueUpdated` stream: the whole waiting queue, first as it is now, then whenever it changes, never
 * an older queue after a newer one.
 *
 * 1. Subscribes to the queue's Redis channel first (snapshots arriving meanwhile are held),
 * 2. then delivers the current snapshot, read after that, with the counter's current value `g` as its
 *    version: a queue change that commits while the console opens is in it or in a live snapshot;
 * 3. then delivers each live snapshot whose version is above the last one delivered, and drops the others.
 * 4. When Redis comes back after an outage (snapshots published meanwhile were lost, and the counter may
 *    have started again from a lower value), it reads and delivers the current snapshot again and takes its
 *    version as the new baseline — even when lower than the last one delivered, so it does not drop every
 *    later snapshot.
 *
 * Why dropping a snapshot whose version is ≤ the last delivered one loses nothing: every change to the queue
 * is committed, then broadcast (`QueueService.broadcast`), and a broadcast takes its version (Redis `INCR`)
 * before it reads its snapshot. Redis runs commands one at a time, so a broadcast that took a lower version
 * took it before a broadcast with a higher one did, and its change was committed before that. The snapshot
 * with the higher version is read after that and includes it. A change that is not in the last snapshot
 * delivered committed after that snapshot was read, so after its version was taken; its own broadcast takes a
 * higher version, and its snapshot is delivered. The first snapshot is the same argument with `GET`: a
 * broadcast with a version ≤ `g` took it before the `GET`, so its change is in the first snapshot; one with
 * a version > `g` took it after the `GET`, so after this stream's listener was in place, and publishes to it.
 *
 * A failure to read a snapshot ends the stream with that error: for PostgreSQL or Redis unreachable the
 * client gets `extensions.code` `SERVICE_UNAVAILABLE` with `retryable: true`, and subscribes again.
 */
export class QueueSnapshotStream extends ChannelStream<VersionedQueueSnapshot> {
  /** The version of the last snapshot delivered (set by the first, delivered before any live one). */
  private version = 0;

  constructor(private readonly source: QueueSnapshotSource) {
    super(source);
    this.open(
      () => this.deliverCurrent(),
      () => this.deliverCurrent(),
    );
  }

  /** A live snapshot: taken in the publisher's tick when nothing is queued, else after what is. */
  protected onEvent(snapshot: VersionedQueueSnapshot): void {
    if (!this.busy) this.accept(snapshot);
    else this.enqueue(() => Promise.resolve(this.accept(snapshot)));
  }

  /** Delivers `snapshot` unless it is not newer than the last one delivered. */
  private accept(snapshot: VersionedQueueSnapshot): void {
    if (snapshot.version <= this.version) return;
    this.version = snapshot.version;
    this.deliver(snapshot);
  }

  /** Reads the current snapshot, delivers it, and takes its version as the baseline (higher or lower). */
  private async deliverCurrent(): Promise<void> {
    const snapshot = await this.source.currentSnapshot();
    this.version = snapshot.version;
    this.deliver(snapshot);
  }
}
