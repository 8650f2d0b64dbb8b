import { DocumentNode, FieldNode, getOperationAST, Kind, OperationTypeNode, SelectionSetNode } from 'graphql';

/**
 * What a mutation's resolver does with its operation's place in its connection's {@link ArrivalOrder}.
 */
export interface ArrivalTurn {
  /**
   * The resolver's work is in place, and what is left is telling others of it:
   * - `sendMessage`: the message has been handed to the writer (or the field ended without one). Once every
   *   `sendMessage` field of the operation has, the messages sent after it on the connection may go (the
   *   writer keeps one session's messages in the order it is given them).
   * - any other mutation, when it is the operation's one root field: its writes are committed (e.g.
   *   `acceptSession`'s assignment), so every mutation sent after it may start while it publishes its
   *   events and broadcasts the queue.
   * In an operation of several root fields that are not all `sendMessage`, it does nothing: the operation is
   * waited for until it has ended. Calling it more often does nothing.
   */
  pass(): void;
}

/** A mutation's root fields, as {@link mutationShape} counts them. */
export interface MutationShape {
  /** `sendMessage` fields. */
  messages: number;
  /** Other fields. */
  others: number;
}

/** How a turn lets the turns after it start. */
type TurnKind =
  /** Only `sendMessage` fields: later messages may go once each has been handed to the writer. */
  | 'messages'
  /** One other field: every later mutation may go once its writes are committed. */
  | 'single'
  /** Anything else: later mutations wait until it has ended. */
  | 'mixed';

class Turn implements ArrivalTurn {
  /** Resolves the operation's wait in {@link ArrivalOrder.arrive}, while it waits. */
  wake?: () => void;
  /** {@link pass} has taken effect: the turns it lets go need not wait for this operation any more. */
  passed = false;
  readonly kind: TurnKind;
  private fieldsLeft: number;

  constructor(
    private readonly order: ArrivalOrder,
    shape: MutationShape,
  ) {
    this.kind = shape.others === 0 && shape.messages > 0 ? 'messages' : shape.messages === 0 && shape.others === 1 ? 'single' : 'mixed';
    this.fieldsLeft = this.kind === 'messages' ? shape.messages : 1;
  }

  pass(): void {
    if (this.kind === 'mixed' || this.passed || --this.fieldsLeft > 0) return;
    this.passed = true;
    this.order.moved();
  }

  /** Whether `later`, which arrived after this operation, may start while this one has not ended. */
  lets(later: Turn): boolean {
    if (!this.passed) return false;
    return this.kind === 'single' || later.kind === 'messages';
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
 * order) and starts only when the mutations before it allow ({@link ArrivalTurn.pass}):
 * - an earlier mutation of one other root field (`acceptSession`, `startSession`, `closeSession`…) holds
 *   every later one until its writes are committed, not until it has published and broadcast them, so an
 *   operator accepting chats quickly does not wait for each accept's queue broadcast (bench (e));
 * - earlier messages hold later messages until they have been handed to the writer (the writer keeps their
 *   order, so a burst of messages still goes into shared statements), and any other mutation until they
 *   have ended (stored or refused);
 * - any other earlier operation (several root fields) holds every later one until it has ended.
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
   * @param shape its root fields ({@link mutationShape})
   * @returns `null` when it may start now (the common case: no promise is made), else a promise that
   *   resolves when it may; never rejects
   */
  arrive(id: string, shape: MutationShape): Promise<void> | null {
    const turn = new Turn(this, shape);
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

  /** A turn passed or ended: starts those now allowed to. */
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
      if (!earlier.lets(turn)) return false;
    }
    return true;
  }
}

const shapesByDocument = new WeakMap<DocumentNode, Map<string | null | undefined, MutationShape | undefined>>();

/** The mutation field whose messages {@link ArrivalOrder} hands to the writer in order. */
const SEND_MESSAGE_FIELD = 'sendMessage';

/**
 * For the operation `operationName` of `document` (a valid document, as parsed for graphql-ws): `undefined`
 * when it is not a mutation (it takes no turn), else how many of its root fields, directly or in fragments,
 * are `sendMessage` and how many are not. Remembered per document: clients send the same few, shared by
 * `cachedParse`.
 */
export function mutationShape(document: DocumentNode, operationName?: string | null): MutationShape | undefined {
  let byName = shapesByDocument.get(document);
  if (!byName) shapesByDocument.set(document, (byName = new Map<string | null | undefined, MutationShape | undefined>()));
  if (byName.has(operationName)) return byName.get(operationName);
  const operation = getOperationAST(document, operationName);
  let shape: MutationShape | undefined;
  if (operation?.operation === OperationTypeNode.MUTATION) {
    const fields = rootFields(document, operation.selectionSet);
    const messages = fields.filter((f) => f.name.value === SEND_MESSAGE_FIELD).length;
    shape = { messages, others: fields.length - messages };
  }
  byName.set(operationName, shape);
  return shape;
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
