import { MessageModel } from '../messages/models/message.model';
import type { StreamMetrics } from '../metrics/metrics.service';
import { ChannelSource, ChannelStream } from './channel-stream';
import { SessionEventPayload } from './models/session-event.model';

/** What a {@link SessionEventStream} needs from the rest of the API. */
export interface SessionEventSource extends ChannelSource {
  /** Stored messages with `seq > afterSeq` (and `< beforeSeq` when given), ascending, at most `limit`. */
  loadMessages(afterSeq: number, beforeSeq: number | undefined, limit: number): Promise<MessageModel[]>;
  /** The session's current highest seq (live-only subscriptions start from it). */
  currentLastSeq(): Promise<number>;
  /**
   * Events to send right after the replay: a waiting session's current queue position, versioned with the
   * queue counter's value read BEFORE the place was (`QueueService.currentPlace`), or without a version when
   * Redis could not be read. Read again after Redis came back while the session waits in the queue.
   */
  initialEvents(): Promise<SessionEventPayload[]>;
  /**
   * See {@link ChannelSource.onResubscribed}. Without it, messages published while Redis was away reach
   * the stream only when a later message reveals the gap.
   */
  onResubscribed?(listener: () => void): () => void;
  /** Told when the stream opens and closes and when a live message is delivered (`/metrics`). */
  metrics?: StreamMetrics;
}

const PAGE = 200;

/**
 * The `sessionEvents` stream: resume-exact delivery of one chat session's events.
 *
 * 1. Subscribes to the session's Redis channel first (events arriving meanwhile are held),
 * 2. then replays stored messages with `seq > afterSeq` (or, without `afterSeq`, starts after the
 *    current last seq),
 * 3. then delivers live events in order. A `MessageCreated` whose seq was already delivered is dropped
 *    (no duplicate); one that skips seqs first gets the missing ones from PostgreSQL (no gap).
 *    A `QueuePositionChanged` is stale and dropped when its version is not above the last one delivered
 *    (the initial position's is the first baseline), when its position is higher than the last one delivered,
 *    or when it comes after `OperatorJoined` or `SessionClosed` (see {@link acceptPosition}).
 * 4. When Redis comes back after an outage, the subscription is active again by itself and the stream
 *    delivers from PostgreSQL every message stored meanwhile (their live events were lost with Redis),
 *    then a waiting session's position read again, taken as the new baseline of versions (see {@link catchUp}),
 *    so the client needs to do nothing.
 *
 * Channel, tasks and delivery are {@link ChannelStream}'s (it can push, see `PushableEvents`).
 */
export class SessionEventStream extends ChannelStream<SessionEventPayload> {
  private lastSeq = 0;
  /** The last queue position delivered (undefined before the first); 0 once out of the queue. */
  private lastPosition?: number;
  /** The version of the last versioned queue position delivered (0 before the first: every version is above). */
  private positionVersion = 0;

  constructor(
    private readonly source: SessionEventSource,
    afterSeq: number | null | undefined,
  ) {
    super(source);
    this.open(
      async () => {
        if (afterSeq === null || afterSeq === undefined) {
          this.lastSeq = await source.currentLastSeq();
        } else {
          this.lastSeq = Math.max(0, afterSeq);
          await this.fill(undefined);
        }
        for (const event of await source.initialEvents()) this.accept(event);
      },
      () => this.catchUp(),
    );
  }

  /**
   * After Redis came back: the messages stored meanwhile, then, while the session waits in the queue, its
   * position read again, whose version becomes the baseline even when lower than the last one delivered: the
   * counter may have started again lower (Redis restarted, or failed over to a replica that was behind), and
   * every later broadcast would be dropped otherwise. As `QueueSnapshotStream` re-reads the queue.
   */
  private async catchUp(): Promise<void> {
    await this.fill(undefined);
    if (this.lastPosition === undefined || this.lastPosition === 0) return; // no position delivered, or out of the queue
    for (const event of await this.source.initialEvents()) {
      if (event.__typename === 'QueuePositionChanged') this.positionVersion = 0;
      this.accept(event);
    }
  }

  /**
   * A live event from the channel. The common case (nothing queued, no seq gap) is handled at once, in
   * the publisher's tick, without a promise per event; anything else waits its turn in the task chain.
   */
  protected onEvent(event: SessionEventPayload): void {
    if (!this.busy && !this.revealsGap(event)) this.accept(event);
    else this.enqueue(() => this.handle(event));
  }

  private revealsGap(event: SessionEventPayload): event is Extract<SessionEventPayload, { __typename: 'MessageCreated' }> {
    return event.__typename === 'MessageCreated' && event.message.seq > this.lastSeq + 1;
  }

  private async handle(event: SessionEventPayload): Promise<void> {
    if (this.revealsGap(event)) await this.fill(event.message.seq);
    this.accept(event);
  }

  /** Delivers `event` unless it is a duplicate or a stale queue position (no gap is left before it). */
  private accept(event: SessionEventPayload): void {
    if (event.__typename === 'MessageCreated') {
      const seq = event.message.seq;
      if (seq <= this.lastSeq) return;
      this.lastSeq = seq;
      this.source.metrics?.delivered(event.message.sentAt);
    } else if (event.__typename === 'QueuePositionChanged') {
      if (!this.acceptPosition(event)) return;
    } else if (event.__typename === 'OperatorJoined' || event.__typename === 'SessionClosed') {
      this.lastPosition = 0; // out of the queue: a snapshot taken before that is stale
    }
    this.deliver(event);
  }

  /**
   * Whether queue position `event` is to be delivered; if so, it becomes the last one delivered. It is not
   * (stale) when:
   * - its version is not above the last one delivered (the initial position's is the first baseline): its
   *   broadcast took its version before that one's did (or before the initial position's `GET`), so read an
   *   older queue, and says what is already known, maybe with an older `operatorsOnline` or estimate. As
   *   `QueueSnapshotStream` drops snapshots; see there why nothing is lost.
   * - the session is out of the queue (`lastPosition` 0, after `OperatorJoined` or `SessionClosed`): a
   *   broadcast that read the queue before the accept or close may publish after it, with a version above the
   *   last position's.
   * - its position is higher than the last one delivered. Positions only go down (FIFO: nobody overtakes), so
   *   between versioned positions the first rule already drops these; this one is for a position without a
   *   version (the initial one when Redis could not be read, or one from an instance without versions), after
   *   which the next versioned position is taken whatever its version: the schema's "positions only go down"
   *   holds then too.
   */
  private acceptPosition(event: Extract<SessionEventPayload, { __typename: 'QueuePositionChanged' }>): boolean {
    if (event.version !== undefined && event.version <= this.positionVersion) return false;
    if (this.lastPosition !== undefined && event.position > this.lastPosition) return false;
    if (event.version !== undefined) this.positionVersion = event.version;
    this.lastPosition = event.position;
    return true;
  }

  /** Delivers stored messages after `lastSeq` (and before `beforeSeq`), page by page. */
  private async fill(beforeSeq: number | undefined): Promise<void> {
    for (;;) {
      const page = await this.source.loadMessages(this.lastSeq, beforeSeq, PAGE);
      for (const message of page) {
        this.deliver({ __typename: 'MessageCreated', sessionId: message.sessionId, message });
        this.lastSeq = message.seq;
      }
      if (page.length < PAGE) return;
    }
  }
}
