import { DocumentNode, FieldNode, getOperationAST, Kind, OperationTypeNode, SelectionSetNode } from 'graphql';

/**
 * What a `sendMessage` resolver does with its operation's place in its connection's {@link ArrivalOrder}.
 */
export interface ArrivalTurn {
  /**
   * One `sendMessage` field of the operation has handed its message to the writer (or ended without one).
   * Once every `sendMessage` field of the operation has, the messages sent after it on the connection may go
   * (the writer keeps one session's messages in the order it is given them). Calling it more often does nothing.
   */
  pass(): void;
}

class Turn implements ArrivalTurn {
  /** Resolves the operation's wait in {@link ArrivalOrder.arrive}, while it waits. */
  wake?: () => void;
  /** Every `sendMessage` field has reached the writer: later messages need not wait for this operation any more. */
  handedOver = false;
  /** Whether the operation has `sendMessage` fields. */
  readonly sendsMessages: boolean;
  private fieldsLeft: number;

  /**
   * @param messageFields the operation's `sendMessage` fields (0: another mutation, which later operations
   *   wait for until it has ended)
   */
  constructor(
    private readonly order: ArrivalOrder,
    messageFields: number,
  ) {
    this.sendsMessages = messageFields > 0;
    this.fieldsLeft = messageFields;
  }

  pass(): void {
    if (!this.sendsMessages || this.handedOver || --this.fieldsLeft > 0) return;
    this.handedOver = true;
    this.order.moved();
  }
}

/**
 * The order in which one WebSocket connection's mutations arrived, kept while they run, so that what one
 * client sends over one connection is applied in the order it was sent, however close together: a chat
 * session's messages get their seqs in that order, and a message sent right after `acceptSession` or
 * `startSession` finds the chat as they left it, as does a `closeSession` sent right after a message.
 *
 * The GraphQL over WebSocket protocol runs a connection's operations independently ("Subscribe": each has
 * its own id and result), and what an operation passes before its work does not take the same time for
 * every one (a rate-limit lease renewed over Redis, an operator's status read). Without this, a visitor
 * who pressed Enter twice quickly (the widget sends without waiting for the first answer) could see the
 * second message stored first, and so could everyone in the chat.
 *
 * Each mutation takes its turn when its frame arrives (graphql-ws `onSubscribe`, called in the socket's
 * order) and starts only when the mutations before it allow:
 * - a mutation with `sendMessage` fields, once every earlier one has ended, except earlier messages, which
 *   need only have been handed to the writer ({@link ArrivalTurn.pass}): the writer keeps their order, so
 *   a burst of messages still goes into shared statements;
 * - any other mutation, once every earlier one has ended (a message then has been stored or refused).
 *
 * Queries and subscriptions take no turn. Requests sent over HTTP, or over two connections, have no order
 * between them.
 */
export class ArrivalOrder {
  /** Turns whose operation has not ended, oldest first (at most the operations a socket may run at once). */
  private readonly open: Turn[] = [];
  private readonly byOperation = new Map<string, Turn>();

  /**
   * Takes the next turn for mutation `id` (a graphql-ws operation id, unique on its socket while it runs).
   * @param messageFields its `sendMessage` fields ({@link sendMessageFields})
   * @returns `null` when it may start now (the common case: no promise is made), else a promise that
   *   resolves when it may; never rejects
   */
  arrive(id: string, messageFields: number): Promise<void> | null {
    const turn = new Turn(this, messageFields);
    this.open.push(turn);
    this.byOperation.set(id, turn);
    if (this.mayStart(turn)) return null;
    return new Promise<void>((resolve) => (turn.wake = resolve));
  }

  /** Mutation `id`'s turn, if it took one. */
  turnOf(id: string): ArrivalTurn | undefined {
    return this.byOperation.get(id);
  }

  /** Mutation `id` has ended (answered, refused or cancelled): the mutations waiting for it may start. */
  leave(id: string): void {
    const turn = this.byOperation.get(id);
    if (turn === undefined) return;
    this.byOperation.delete(id);
    this.open.splice(this.open.indexOf(turn), 1);
    turn.wake?.(); // ended while it waited (its socket closed): it must not wait for ever
    this.moved();
  }

  /** The connection has closed: every turn ends, so nothing waits for a mutation that will not come. */
  leaveAll(): void {
    for (const id of [...this.byOperation.keys()]) this.leave(id);
  }

  /** A turn was handed over or ended: starts those now allowed to. */
  moved(): void {
    for (const turn of this.open) {
      if (turn.wake && this.mayStart(turn)) {
        const wake = turn.wake;
        turn.wake = undefined;
        wake();
      }
    }
  }

  private mayStart(turn: Turn): boolean {
    for (const earlier of this.open) {
      if (earlier === turn) return true;
      if (!(turn.sendsMessages && earlier.handedOver)) return false;
    }
    return true;
  }
}

const messageFieldsByDocument = new WeakMap<DocumentNode, Map<string | null | undefined, number | undefined>>();

/** The mutation field whose messages {@link ArrivalOrder} hands to the writer in order. */
const SEND_MESSAGE_FIELD = 'sendMessage';

/**
 * For the operation `operationName` of `document` (a valid document, as parsed for graphql-ws): `undefined`
 * when it is not a mutation (it takes no turn), else how many root `sendMessage` fields it has, directly or
 * in fragments (0 for any other mutation). Remembered per document: clients send the same few, shared by
 * `cachedParse`.
 */
export function sendMessageFields(document: DocumentNode, operationName?: string | null): number | undefined {
  let byName = messageFieldsByDocument.get(document);
  if (!byName) messageFieldsByDocument.set(document, (byName = new Map<string | null | undefined, number | undefined>()));
  if (byName.has(operationName)) return byName.get(operationName);
  const operation = getOperationAST(document, operationName);
  const count = operation?.operation === OperationTypeNode.MUTATION ? rootFields(document, operation.selectionSet).filter((f) => f.name.value === SEND_MESSAGE_FIELD).length : undefined;
  byName.set(operationName, count);
  return count;
}

/** The fields of a root selection set, those in its fragments included (each fragment once). */
function rootFields(document: DocumentNode, set: SelectionSetNode, seen = new Set<string>()): FieldNode[] {
  return set.selections.flatMap((selection) => {
    if (selection.kind === Kind.FIELD) return [selection];
    if (selection.kind === Kind.INLINE_FRAGMENT) return rootFields(document, selection.selectionSet, seen);
    const name = selection.name.value;
    if (seen.has(name)) return [];
    seen.add(name);
    const fragment = document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === name);
    return fragment?.kind === Kind.FRAGMENT_DEFINITION ? rootFields(document, fragment.selectionSet, seen) : [];
  });
}
