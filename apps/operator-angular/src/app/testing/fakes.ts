import type { TypedDocumentNode } from '@apollo/client';
import type { ChatSessionFieldsFragment, MessageFieldsFragment } from '@parley/graphql';
import { Observable, Subject } from 'rxjs';
import type { SubscriptionResult } from '../core/live-subscription';
import { RequestError } from '../core/request-error';

/** Name of the operation in a typed document. */
export function operationName(document: TypedDocumentNode<unknown, never> | { definitions: readonly unknown[] }): string {
  for (const definition of document.definitions as readonly { kind: string; name?: { value: string } }[]) {
    if (definition.kind === 'OperationDefinition' && definition.name) return definition.name.value;
  }
  throw new Error('document without a named operation');
}

type Handler = (variables: Record<string, unknown>) => unknown;

/** One open subscription of the fake: its variables and a way to push results. */
export interface FakeSubscription {
  name: string;
  variables: Record<string, unknown>;
  results: Subject<SubscriptionResult<unknown>>;
  closed: boolean;
}

/**
 * A stand-in for `GraphqlService`: answers queries and mutations from handlers registered by operation
 * name (a handler may throw a `RequestError` or return a promise), records every call, and keeps open
 * subscriptions so a test can push events.
 */
export class FakeGraphql {
  readonly calls: { name: string; variables: Record<string, unknown> }[] = [];
  readonly subscriptions: FakeSubscription[] = [];
  private readonly handlers = new Map<string, Handler>();

  on(name: string, handler: Handler): this {
    this.handlers.set(name, handler);
    return this;
  }

  callsOf(name: string): Record<string, unknown>[] {
    return this.calls.filter((c) => c.name === name).map((c) => c.variables);
  }

  /** Subscriptions still open, by operation name. */
  open(name: string): FakeSubscription[] {
    return this.subscriptions.filter((s) => s.name === name && !s.closed);
  }

  query = <TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables): Promise<TData> => this.run(document, variables);
  mutate = <TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables): Promise<TData> => this.run(document, variables);

  subscribe = <TData, TVariables>(document: TypedDocumentNode<TData, TVariables>, variables: TVariables): Observable<SubscriptionResult<TData>> => {
    const name = operationName(document);
    const entry: FakeSubscription = { name, variables: { ...(variables as Record<string, unknown>) }, results: new Subject(), closed: false };
    this.subscriptions.push(entry);
    return new Observable<SubscriptionResult<TData>>((subscriber) => {
      const inner = entry.results.subscribe(subscriber as never);
      return () => {
        entry.closed = true;
        inner.unsubscribe();
      };
    });
  };

  private async run<TData>(document: unknown, variables: unknown): Promise<TData> {
    const name = operationName(document as never);
    const vars = { ...(variables as Record<string, unknown>) };
    this.calls.push({ name, variables: vars });
    const handler = this.handlers.get(name);
    if (!handler) throw new RequestError(`no fake handler for ${name}`, 'NOT_FOUND', false);
    return (await handler(vars)) as TData;
  }
}

/** A stand-in for the connection's events. */
export class FakeConnection {
  readonly lost$ = new Subject<void>();
  readonly reconnected$ = new Subject<void>();
  readonly retryNow$ = new Subject<void>();
  active = 0;
  delay = 10;
  retryDelayMs = () => this.delay;
  track = (delta: 1 | -1) => {
    this.active += delta;
  };
}

let seq = 0;

/** A chat session as the API returns it (overridable fields). */
export function givenSession(overrides: Partial<ChatSessionFieldsFragment> = {}): ChatSessionFieldsFragment {
  const n = ++seq;
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    status: 'WAITING',
    queuedAt: new Date(Date.now() - 65_000).toISOString(),
    acceptedAt: null,
    closedAt: null,
    resolution: null,
    preview: 'Hello, I need help',
    lastSeq: 1,
    queuePosition: 1,
    visitor: { id: `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`, name: 'Ada', email: 'ada@example.com', pageUrl: 'https://shop.example/pricing', locale: 'en', createdAt: new Date().toISOString() },
    operator: null,
    ...overrides,
  };
}

/** A stored message (overridable fields). */
export function givenMessage(seqNo: number, overrides: Partial<MessageFieldsFragment> = {}): MessageFieldsFragment {
  return {
    id: `m-${seqNo}-${Math.random().toString(16).slice(2, 8)}`,
    sessionId: 's-1',
    seq: seqNo,
    senderRole: 'VISITOR',
    senderName: null,
    content: `message ${seqNo}`,
    clientMessageId: null,
    sentAt: new Date(Date.UTC(2026, 10, 29, 10, 0, seqNo)).toISOString(),
    ...overrides,
  };
}

/** Lets pending promise callbacks run. */
export async function flush(times = 20): Promise<void> {
  for (let i = 0; i < times; i++) await Promise.resolve();
}
