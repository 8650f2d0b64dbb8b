import { EntityManager } from '@mikro-orm/postgresql';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { Subject } from 'rxjs';
import { Principal } from '../auth/principal';
import { Presence } from '../common/enums';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Turns } from '../common/turns';
import { Operator } from '../operators/operator.entity';
import { REDIS, REDIS_READS } from '../realtime/redis.providers';
import { ParticipantKind, PresenceStore } from './presence-store';
import { presenceReadError } from './unknown-presence';
import { UnknownRead } from '../common/unknown-read';

/** Emitted on this instance when an operator's presence (as others see it) may have changed. */
export interface PresenceChange {
  operatorId: string;
  presence: Presence;
}

/** Emitted on this instance when a visitor's widget came online (first socket) or went offline (last one). */
export interface VisitorPresenceChange {
  visitorId: string;
  presence: Presence.ONLINE | Presence.OFFLINE;
}

/** One WebSocket on this instance whose principal is tracked. */
interface LocalSocket {
  id: string;
  kind: ParticipantKind;
  participantId: string;
  /** Redis work for this socket, in order (a quick connect-close never leaves a stale entry). */
  queue: Promise<void>;
}

/** Length (ms, at most) of one turn of a refresh round ({@link Turns}). */
const REFRESH_TURN_MS = 250;

/**
 * Presence of operators and visitors, shared by every API instance through Redis ({@link PresenceStore}).
 *
 * - An operator's chosen presence is kept on the operator row (it survives reloads). An operator counts as
 *   online (queue estimates, notifications) while they chose ONLINE and are live: their console's WebSocket
 *   is connected (refreshed every third of `PRESENCE_TTL_SECONDS` while it is), or `setPresence(ONLINE)` was
 *   called within `PRESENCE_TTL_SECONDS`. Two tabs: online while either is connected; closing the last one
 *   takes the operator offline at once. An instance that dies stops refreshing, so its operators drop out
 *   after `PRESENCE_TTL_SECONDS` and one surviving instance notices (sweep) and reports it.
 * - A visitor is ONLINE while at least one widget WebSocket with its token is connected, else OFFLINE.
 *
 * Changes are reported on {@link changes} (operators) and {@link visitorChanges} on the instance that saw
 * them; listeners fan them out through Redis pub/sub.
 *
 * Writes (and the reads that report what a write changed) go through the shared `REDIS` client, without a
 * timeout: while Redis hangs they wait, and the change is reported once it answers. The public reads
 * ({@link onlineCount}, {@link visitorPresence}) go through `REDIS_READS` and fail
 * after `REDIS_COMMAND_TIMEOUT_MS` instead; their callers decide what to answer without them
 * ({@link readOr}).
 */
@Injectable()
export class PresenceService implements OnModuleInit, BeforeApplicationShutdown {
  /** Operator presence changes seen by this instance (the queue re-estimates on them). */
  readonly changes = new Subject<PresenceChange>();
  /** Visitor presence changes seen by this instance. */
  readonly visitorChanges = new Subject<VisitorPresenceChange>();
  private readonly logger = new Logger(PresenceService.name);
  /** On the shared client: writes, and the reads that report them. */
  private readonly store: PresenceStore;
  /** On the deadline-bound client: the public reads. */
  private readonly reads: PresenceStore;
  private readonly unknown = new UnknownRead(this.logger, 'Presence');
  private readonly ttlMs: number;
  private readonly sockets = new Map<object, LocalSocket>();
  private readonly refreshMs: number;
  /** Sockets by their turn in a refresh round, one turn per timer tick. */
  private readonly turns: Turns<LocalSocket>;
  private readonly pending = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;
  private ticking = false;
  private closing = false;

  constructor(
    private readonly em: EntityManager,
    @Inject(REDIS) redis: Redis,
    @Inject(REDIS_READS) reads: Redis,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.store = new PresenceStore(redis, config.redisPrefix);
    this.reads = new PresenceStore(reads, config.redisPrefix);
    this.ttlMs = config.presenceTtlSeconds * 1000;
    this.refreshMs = Math.max(100, Math.floor(this.ttlMs / 3));
    this.turns = new Turns(Math.round(this.refreshMs / REFRESH_TURN_MS));
  }

  onModuleInit(): void {
    this.timer = setInterval(() => this.tick(), this.refreshMs / this.turns.count);
    this.timer.unref();
  }

  /** Stops refreshing and forgets this instance's sockets, so its operators do not linger online. */
  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    clearInterval(this.timer);
    for (const connection of [...this.sockets.keys()]) this.drop(connection);
    await this.settled();
    this.unknown.flush();
  }

  /** Resolves when the Redis work started so far (and any it started meanwhile) has finished. */
  async settled(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  /** Stores the operator's choice and updates liveness. Returns the operator row. */
  async setPresence(operatorId: string, presence: Presence): Promise<Operator> {
    const operator = await this.em.fork().findOneOrFail(Operator, operatorId);
    await this.em.fork().nativeUpdate(Operator, { id: operatorId }, { presence });
    operator.presence = presence;
    await this.applyChoice(operatorId, presence);
    await this.report(operatorId, presence);
    return operator;
  }

  /**
   * How many operators are ONLINE and live, across all instances.
   * @throws ServiceUnavailableError (`SERVICE_UNAVAILABLE`, retryable) when Redis has not answered within
   *   `REDIS_COMMAND_TIMEOUT_MS` (2000 ms); the Redis client's error when it is unreachable.
   */
  onlineCount(): Promise<number> {
    return this.bounded(this.reads.count(this.reads.onlineKey));
  }

  /**
   * ONLINE while a widget of the visitor is connected (any tab, any instance), else OFFLINE.
   * @throws as {@link onlineCount}.
   */
  visitorPresence(visitorId: string): Promise<Presence.ONLINE | Presence.OFFLINE> {
    return this.bounded(this.reads.has(this.reads.connectedKey('visitor'), visitorId)).then((live) => (live ? Presence.ONLINE : Presence.OFFLINE));
  }

  /**
   * For callers that have an answer when presence cannot be read now: `read`'s answer (one of the reads
   * above), or `fallback` when it failed because Redis did not answer within `REDIS_COMMAND_TIMEOUT_MS`
   * or is unreachable. That is logged as one warning line naming the reason and `consequence`; the ones
   * after it are counted in one line per 10 s (`UnknownRead`).
   * @param consequence what the caller answers instead, the same words every time, e.g.
   *   `visitorPresence answered OFFLINE`
   * @throws `read`'s error when it is another one (a bug, not an outage).
   */
  readOr<T>(read: Promise<T>, fallback: T, consequence: string): Promise<T> {
    return this.unknown.or(read, fallback, consequence);
  }

  /**
   * The operator's presence as visitors see it: ONLINE while counted online; AWAY while they chose AWAY and
   * their console is connected; otherwise OFFLINE.
   * @param chosen the operator's stored choice, when the caller already has it.
   */
  private async operatorPresence(operatorId: string, chosen?: Presence): Promise<Presence> {
    if (await this.store.has(this.store.onlineKey, operatorId)) return Presence.ONLINE;
    const choice = chosen ?? (await this.em.fork().findOne(Operator, operatorId, { fields: ['presence'] }))?.presence;
    if (choice !== Presence.AWAY) return Presence.OFFLINE;
    return (await this.store.has(this.store.connectedKey('operator'), operatorId)) ? Presence.AWAY : Presence.OFFLINE;
  }

  /** `read`, whose timeout is worded for its caller ({@link presenceReadError}). */
  private bounded<T>(read: Promise<T>): Promise<T> {
    return read.catch((error: unknown) => {
      throw presenceReadError(error);
    });
  }

  /**
   * A graphql-ws connection was accepted (`onConnect`): track it until {@link socketClosed}. Anonymous
   * connections are not tracked. Returns at once; Redis is updated in the background.
   * @param connection any object identifying the connection for its lifetime (the graphql-ws context).
   */
  socketOpened(connection: object, principal: Principal | undefined): void {
    if (!principal || this.closing) return;
    const socket: LocalSocket = {
      id: randomUUID(),
      kind: principal.kind,
      participantId: principal.kind === 'operator' ? principal.operatorId : principal.visitorId,
      queue: Promise.resolve(),
    };
    this.turns.add(socket);
    this.sockets.set(connection, socket);
    this.enqueue(socket, () => this.touch(socket));
  }

  /** The graphql-ws connection closed (`onDisconnect`). */
  socketClosed(connection: object): void {
    if (!this.closing) this.drop(connection);
  }

  private drop(connection: object): void {
    const socket = this.sockets.get(connection);
    if (!socket) return;
    this.sockets.delete(connection);
    this.turns.remove(socket);
    this.enqueue(socket, async () => {
      const { kind, participantId } = socket;
      const leaves = kind === 'operator' ? [this.store.onlineKey] : [];
      const removed = await this.store.dropSocket(kind, participantId, socket.id, leaves);
      if (!removed.some(Boolean)) return;
      if (kind === 'operator') await this.report(participantId);
      else this.visitorChanges.next({ visitorId: participantId, presence: Presence.OFFLINE });
    });
  }

  /** Refreshes a live socket; reports a participant that was not connected before. */
  private async touch(socket: LocalSocket, chosen?: Presence): Promise<void> {
    const { kind, participantId } = socket;
    const arrived = await this.store.touchSocket(kind, participantId, socket.id, Date.now() + this.ttlMs);
    if (kind === 'visitor') {
      if (arrived) this.visitorChanges.next({ visitorId: participantId, presence: Presence.ONLINE });
      return;
    }
    const choice = chosen ?? (await this.em.fork().findOneOrFail(Operator, participantId, { fields: ['presence'] })).presence;
    const changed = await this.applyChoice(participantId, choice);
    if (arrived || changed) await this.report(participantId, choice);
  }

  /** Puts a live operator in (ONLINE) or out of (otherwise) the online set. @returns true when that changed it. */
  private applyChoice(operatorId: string, chosen: Presence): Promise<boolean> {
    return chosen === Presence.ONLINE
      ? this.store.add(this.store.onlineKey, operatorId, Date.now() + this.ttlMs)
      : this.store.remove(this.store.onlineKey, operatorId);
  }

  /**
   * Reports the operator's presence after a write changed it. Read on the shared client, which waits for a
   * Redis that hangs like the write did: a read given up on here would lose the change.
   */
  private async report(operatorId: string, chosen?: Presence): Promise<void> {
    this.changes.next({ operatorId, presence: await this.operatorPresence(operatorId, chosen) });
  }

  /**
   * One turn of a refresh round; a round lasts a third of `PRESENCE_TTL_SECONDS`, so every socket of this
   * instance is refreshed that often. A turn refreshes its share of the sockets (re-reading their operators'
   * choices, so a choice made through another instance is applied); the last turn of a round also sweeps
   * entries whose refresh stopped. A turn still running when the next tick comes delays the round.
   */
  private tick(): void {
    if (this.ticking || this.closing) return;
    this.ticking = true;
    const turn = this.turns.next();
    void this.track(
      (async () => {
        const sockets = [...turn.items];
        const operatorIds = [...new Set(sockets.filter((s) => s.kind === 'operator').map((s) => s.participantId))];
        const chosen = new Map(
          operatorIds.length
            ? (await this.em.fork().find(Operator, { id: { $in: operatorIds } }, { fields: ['presence'] })).map((o) => [o.id, o.presence])
            : [],
        );
        for (const socket of sockets) this.enqueue(socket, () => this.touch(socket, chosen.get(socket.participantId)));
        if (turn.index === this.turns.count - 1) await this.sweep();
      })().finally(() => (this.ticking = false)),
    );
  }

  private async sweep(): Promise<void> {
    const [online, operators, visitors] = await Promise.all([
      this.store.sweep(this.store.onlineKey),
      this.store.sweep(this.store.connectedKey('operator')),
      this.store.sweep(this.store.connectedKey('visitor')),
    ]);
    for (const operatorId of new Set([...online, ...operators])) await this.report(operatorId);
    for (const visitorId of visitors) this.visitorChanges.next({ visitorId, presence: Presence.OFFLINE });
  }

  private enqueue(socket: LocalSocket, work: () => Promise<void>): void {
    socket.queue = this.track(socket.queue.then(work));
  }

  /** Runs background work: a failure is one log line (the next refresh repairs the state). */
  private track(work: Promise<void>): Promise<void> {
    const guarded = work.catch((error: Error) => this.logger.warn(`Presence update failed: ${error.message}`));
    this.pending.add(guarded);
    void guarded.finally(() => this.pending.delete(guarded));
    return guarded;
  }
}
