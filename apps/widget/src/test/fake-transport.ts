/**
 * Test doubles for the widget's unit tests: a {@link Transport} that records every operation and lets the
 * test answer it, a {@link WidgetHost} on a real shadow root, and factories for API objects.
 */
import type { WidgetConfig } from '../common/config';
import type { WidgetHost } from '../common/host';
import { type VisitorIdentity, VisitorStore } from '../common/visitor-store';
import type { MessageFieldsFragment, SessionStateFragment } from '../generated/graphql';
import { type ConnectionState, OperationError, type Pending, type SubscriptionSink, type Transport, type TypedDocument } from '../chat/transport';

/** The operation name in a document string (`mutation SendMessage(…)` → `SendMessage`). */
export function operationName(document: { toString(): string }): string {
  const match = /\b(?:query|mutation|subscription)\s+(\w+)/.exec(document.toString());
  if (!match) throw new Error(`no operation name in ${document.toString()}`);
  return match[1];
}

/** One recorded request. */
export interface RecordedRequest {
  name: string;
  variables: any;
  cancelled: boolean;
  answered: boolean;
  resolve(data: unknown): void;
  reject(error: unknown): void;
}

/** One recorded subscription. */
export interface RecordedSubscription {
  name: string;
  variables: any;
  closed: boolean;
  sink: SubscriptionSink<any>;
}

/** Lets pending promise callbacks run. */
export async function flush(times = 10): Promise<void> {
  for (let i = 0; i < times; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

/** Waits (up to ~1 s) until `condition` returns a value. */
export async function until<T>(condition: () => T | undefined | null | false, what = 'condition'): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = condition();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A transport whose operations the test answers by hand. */
export class FakeTransport implements Transport {
  readonly requests: RecordedRequest[] = [];
  readonly subscriptions: RecordedSubscription[] = [];
  disposed = false;
  private readonly listeners = new Set<Parameters<Transport['listen']>[0]>();

  constructor(
    readonly url: string,
    readonly token: string | undefined,
  ) {}

  request<R, V>(document: TypedDocument<R, V>, variables: V): Pending<R> {
    let resolve!: (data: R) => void;
    let reject!: (error: unknown) => void;
    const result = new Promise<R>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const entry: RecordedRequest = {
      name: operationName(document),
      variables,
      cancelled: false,
      answered: false,
      resolve: (data) => {
        entry.answered = true;
        resolve(data as R);
      },
      reject: (error) => {
        entry.answered = true;
        reject(error);
      },
    };
    this.requests.push(entry);
    return { result, cancel: () => (entry.cancelled = true) };
  }

  subscribe<R, V>(document: TypedDocument<R, V>, variables: V, sink: SubscriptionSink<R>): () => void {
    const entry: RecordedSubscription = { name: operationName(document), variables, closed: false, sink };
    this.subscriptions.push(entry);
    return () => (entry.closed = true);
  }

  listen(listener: Parameters<Transport['listen']>[0]): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  dispose(): void {
    this.disposed = true;
  }

  /** Simulates the socket's state changing (and, for `online`, the connection being acknowledged). */
  setState(state: ConnectionState): void {
    for (const l of [...this.listeners]) l.state?.(state);
    if (state === 'online') for (const l of [...this.listeners]) l.connected?.();
  }

  /** Simulates the API refusing the token (close code 4403). */
  refuse(): void {
    for (const l of [...this.listeners]) l.rejected?.();
  }

  /** Simulates the API refusing this page's origin (close code 4403 with the origin's reason). */
  refuseOrigin(): void {
    for (const l of [...this.listeners]) l.originRefused?.();
  }

  /** Unanswered requests named `name`. */
  pending(name: string): RecordedRequest[] {
    return this.requests.filter((r) => r.name === name && !r.answered && !r.cancelled);
  }

  /** Waits for the next unanswered `name` request and answers it with `data`; returns it. */
  async answer(name: string, data: unknown): Promise<RecordedRequest> {
    const request = await until(() => this.pending(name)[0], `a ${name} request`);
    request.resolve(data);
    await flush();
    return request;
  }

  /** Waits for the next unanswered `name` request and fails it with `code`. */
  async fail(name: string, code: string | undefined, message = 'failed'): Promise<RecordedRequest> {
    const request = await until(() => this.pending(name)[0], `a ${name} request`);
    request.reject(new OperationError(message, code));
    await flush();
    return request;
  }

  /** The open SessionEvents subscription. */
  events(): RecordedSubscription | undefined {
    return this.subscriptions.filter((s) => s.name === 'SessionEvents' && !s.closed).pop();
  }

  /** Pushes a session event into the open subscription. */
  async push(event: Record<string, unknown>): Promise<void> {
    const subscription = await until(() => this.events(), 'an open SessionEvents subscription');
    subscription.sink.next({ sessionEvents: event });
    await flush();
  }
}

/** Every transport a factory made, newest last. */
export function fakeTransports() {
  const made: FakeTransport[] = [];
  const factory = (url: string, token: string | undefined) => {
    const t = new FakeTransport(url, token);
    made.push(t);
    return t;
  };
  return { made, factory, authed: () => made.filter((t) => t.token).pop(), anonymous: () => made.filter((t) => !t.token).pop() };
}

/** Base URL used by the tests. */
export const BASE_URL = 'https://chat.example.test';

/** A {@link WidgetHost} on a real shadow root in the jsdom document. */
export function givenHost(options: { config?: Partial<WidgetConfig>; open?: boolean; identity?: VisitorIdentity | null } = {}) {
  const element = document.createElement('div');
  document.body.appendChild(element);
  const root = element.attachShadow({ mode: 'open' });
  const panel = document.createElement('div');
  root.appendChild(panel);
  const state = { open: options.open ?? true, identity: options.identity ?? null };
  const host: Omit<WidgetHost, 'setUnread' | 'requestClose' | 'emit'> & { setUnread: jest.Mock<void, [number]>; requestClose: jest.Mock<void, []>; emit: jest.Mock } = {
    config: { baseUrl: BASE_URL, locale: 'en', prechat: 'optional', ...options.config },
    root,
    panel,
    store: new VisitorStore(BASE_URL, localStorage),
    identity: () => state.identity,
    isOpen: () => state.open,
    setUnread: jest.fn<void, [number]>(),
    requestClose: jest.fn<void, []>(),
    emit: jest.fn(),
  };
  return { host, state, element, $: <E extends Element = HTMLElement>(selector: string) => root.querySelector<E>(selector), $$: (selector: string) => Array.from(root.querySelectorAll<HTMLElement>(selector)) };
}

/** A chat session as the API returns it. */
export function givenSession(fields: Partial<SessionStateFragment> = {}): SessionStateFragment {
  return {
    id: 'session-1',
    status: 'WAITING',
    lastSeq: 0,
    queuePosition: 1,
    estimatedWaitSeconds: 120,
    resolution: null,
    operator: null,
    rating: null,
    ...fields,
  };
}

/** A message as the API returns it. */
export function givenMessage(seq: number, fields: Partial<MessageFieldsFragment> = {}): MessageFieldsFragment {
  return {
    id: `message-${seq}`,
    seq,
    senderRole: 'OPERATOR',
    senderName: 'Anna',
    content: `message ${seq}`,
    clientMessageId: null,
    sentAt: new Date(Date.UTC(2026, 0, 1, 10, seq)).toISOString(),
    ...fields,
  };
}

/** `MessageCreated` event for a message. */
export function messageCreated(message: MessageFieldsFragment) {
  return { __typename: 'MessageCreated', message };
}
