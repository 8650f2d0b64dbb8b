import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { GqlResult, wsExecute } from './api-client';
import { SEND_MESSAGE, SESSION_EVENTS } from './operations';
import { withTimeout } from './wait-for';

/** A message as a participant receives it. */
export interface ReceivedMessage {
  id: string;
  seq: number;
  senderRole: string;
  content: string;
  clientMessageId: string | null;
  sentAt: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Codes a client is told it may retry (`extensions.retryable`). */
function retryableError(result: GqlResult): boolean {
  return result.errors?.some((e) => e.extensions?.retryable === true) ?? false;
}

/**
 * One side of a chat session as a well-behaved client does it (the widget and the console work this way):
 * one graphql-ws socket for `sessionEvents` and for sending; when the subscription fails (socket cut,
 * instance gone, retryable error) it subscribes again with `afterSeq` = the last seq it received; a send
 * that fails on the way is repeated with the same `clientMessageId` until the API answers.
 *
 * It checks what the server owes it: across every (re)subscription, `MessageCreated` events arrive as
 * seq 1, 2, 3 … exactly once each — anything else is recorded in {@link problems}.
 *
 * With several URLs each new connection takes the next one (a naive load balancer), so when an instance
 * dies the participant ends up on a survivor.
 */
export class ChatParticipant {
  /** Every message received, in arrival order, over all subscriptions. */
  readonly received: ReceivedMessage[] = [];
  /** Deliveries that broke exactly-once-in-order (duplicates, gaps, reordering), and unexpected errors. */
  readonly problems: string[] = [];
  /** How many times `sessionEvents` was subscribed (the first time included). */
  subscriptions = 0;
  /** `clientMessageId`s whose send needed more than one attempt. */
  readonly retried = new Set<string>();
  /** Attempts that failed on the transport (socket closed under the operation). */
  transportFailures = 0;
  /** Attempts answered with a retryable GraphQL error (`extensions.retryable`). */
  retryableErrors = 0;
  /** Error codes seen on failed attempts, in order. */
  readonly errorCodes: string[] = [];
  /** Close codes of the participant's sockets, in order (1006: cut without a close frame). */
  readonly closeCodes: number[] = [];
  private lastSeq = 0;
  private readonly client: Client;
  private connects = 0;
  private generation = 0;
  private unsubscribe?: () => void;
  private stopped = false;
  private listeners: Array<() => void> = [];
  private resubscribeTimer?: NodeJS.Timeout;

  constructor(
    readonly name: string,
    private readonly options: { urls: string[]; token: string; sessionId: string; afterSeq?: number },
  ) {
    this.lastSeq = options.afterSeq ?? 0;
    this.client = createClient({
      url: () => options.urls[this.connects++ % options.urls.length],
      webSocketImpl: WebSocket,
      connectionParams: { authToken: options.token },
      retryAttempts: 0,
      lazy: true,
      on: { closed: (event) => this.closeCodes.push((event as { code: number }).code) },
    });
  }

  /** The highest seq received so far (what a resubscription passes as `afterSeq`). */
  get seq(): number {
    return this.lastSeq;
  }

  /** Starts listening to the session. */
  start(): this {
    this.subscribe();
    return this;
  }

  /**
   * Sends a message; repeats it with the same `clientMessageId` after a transport failure or a retryable
   * error, at most `maxAttempts` times. @throws on a non-retryable error or when attempts run out.
   */
  async send(content: string, clientMessageId: string, maxAttempts = 80): Promise<ReceivedMessage> {
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      let result: GqlResult<{ sendMessage: ReceivedMessage }>;
      try {
        result = await withTimeout(
          wsExecute<{ sendMessage: ReceivedMessage }>(this.client, SEND_MESSAGE, {
            input: { sessionId: this.options.sessionId, content, clientMessageId },
          }),
          15_000,
          `${this.name} sending ${clientMessageId}`,
        );
      } catch {
        this.transportFailures++;
        await sleep(Math.min(25 * attempt, 400));
        continue;
      }
      if (result.errors?.length) {
        this.errorCodes.push(String(result.errors[0].extensions?.code));
        if (!retryableError(result)) throw new Error(`${this.name} sending ${clientMessageId}: ${JSON.stringify(result.errors)}`);
        this.retryableErrors++;
        await sleep(Math.min(50 * attempt, 500));
        continue;
      }
      if (attempt > 1) this.retried.add(clientMessageId);
      return result.data!.sendMessage;
    }
    throw new Error(`${this.name} could not send ${clientMessageId} in ${maxAttempts} attempts`);
  }

  /** Resolves when messages up to `seq` were received; rejects after `timeoutMs`. */
  waitForSeq(seq: number, timeoutMs = 20_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.lastSeq >= seq) {
          done();
          resolve();
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.name} got up to seq ${this.lastSeq}, not ${seq}; problems: ${this.problems.join('; ')}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== check);
      };
      this.listeners.push(check);
      check();
    });
  }

  /** Stops listening and closes the socket. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.resubscribeTimer);
    this.unsubscribe?.();
    await this.client.dispose();
  }

  private subscribe(): void {
    if (this.stopped) return;
    const generation = ++this.generation;
    this.subscriptions++;
    const retry = (why: string) => {
      if (generation !== this.generation || this.stopped) return;
      this.generation++; // anything more from this subscription is ignored
      this.resubscribeTimer = setTimeout(() => this.subscribe(), why === 'transport' ? 20 : 100);
    };
    this.unsubscribe = this.client.subscribe<{ sessionEvents: { __typename: string; message?: ReceivedMessage } }>(
      { query: SESSION_EVENTS, variables: { id: this.options.sessionId, after: this.lastSeq } },
      {
        next: (result) => {
          if (generation !== this.generation) return;
          if (result.errors?.length) {
            if (retryableError(result as GqlResult)) return retry('retryable');
            this.problems.push(`subscription error: ${JSON.stringify(result.errors)}`);
            return;
          }
          const event = result.data?.sessionEvents;
          if (event?.__typename === 'MessageCreated' && event.message) this.accept(event.message);
        },
        error: (error) => {
          if (Array.isArray(error)) {
            if (error.some((e: { extensions?: { retryable?: unknown } }) => e.extensions?.retryable === true)) return retry('retryable');
            if (generation === this.generation) this.problems.push(`subscription error: ${JSON.stringify(error)}`);
            return;
          }
          retry('transport');
        },
        complete: () => retry('completed'),
      },
    );
  }

  private accept(message: ReceivedMessage): void {
    if (message.seq !== this.lastSeq + 1) {
      this.problems.push(`${this.name} received seq ${message.seq} after ${this.lastSeq} (${message.clientMessageId ?? message.content})`);
    }
    this.lastSeq = Math.max(this.lastSeq, message.seq);
    this.received.push(message);
    for (const listener of [...this.listeners]) listener();
  }
}
