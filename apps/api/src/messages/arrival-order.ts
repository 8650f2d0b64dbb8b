import { DocumentNode, getOperationAST, Kind, OperationTypeNode, SelectionSetNode } from 'graphql';

/**
 * One `sendMessage` operation's place in its connection's {@link ArrivalOrder}.
 */
export interface ArrivalTurn {
  /**
   * `null` when every operation that arrived before this one on its connection has passed (the common case:
   * nothing waits, no promise is made); else a promise that resolves once they all have. Never rejects.
   */
  reached(): Promise<void> | null;
  /**
   * This operation has handed its message to the writer, or has ended without one (refused by a guard, a
   * rate limit, validation): the operations after it may go. Calling it again does nothing.
   */
  pass(): void;
}

class Turn implements ArrivalTurn {
  /** Set while the operation waits in {@link reached}. */
  private wake?: () => void;
  private gone = false;

  /** @param open the connection's turns not yet passed, oldest first, this one among them */
  constructor(private readonly open: Turn[]) {}

  reached(): Promise<void> | null {
    // Passed already: a second `sendMessage` field of the same mutation (run after the first).
    if (this.gone || this.open[0] === this) return null;
    return new Promise<void>((resolve) => (this.wake = resolve));
  }

  pass(): void {
    if (this.gone) return;
    this.gone = true;
    this.wake?.(); // passed while waiting (its socket closed): it must not wait for ever
    const at = this.open.indexOf(this);
    this.open.splice(at, 1);
    // The next one goes if it was waiting for this one.
    if (at === 0) this.open[0]?.wake?.();
  }
}

/**
 * The order in which one WebSocket connection's `sendMessage` operations arrived, kept until each has handed
 * its message to the writer, so a chat session's messages from one connection get their seqs in the order
 * they were sent, however close together.
 *
 * The GraphQL over WebSocket protocol runs a connection's operations independently ("Subscribe": each
 * operation has its own id and result), and what a message passes before the writer does not take the same
 * time for every message: a rate-limit lease renewed over Redis, an operator's status read. Without this, a
 * visitor who pressed Enter twice quickly (the widget sends without waiting for the first answer) could see
 * the second message stored first, and so could everyone in the chat. The writer keeps the order it is given
 * (`MessageWriter.append`); this gives it the order of arrival.
 *
 * A turn is taken when the frame arrives (graphql-ws `onSubscribe`, called in the socket's order) and
 * passed when its message reaches the writer or its operation ends; only a message whose earlier ones are
 * still on their way waits. Messages sent over HTTP, or over two connections, have no order between them.
 */
export class ArrivalOrder {
  /** Turns taken and not yet passed, oldest first (at most the operations a socket may run at once). */
  private readonly open: Turn[] = [];
  private readonly byOperation = new Map<string, Turn>();

  /** Takes the next turn for operation `id` (a graphql-ws operation id, unique on its socket while it runs). */
  arrive(id: string): void {
    const turn = new Turn(this.open);
    this.open.push(turn);
    this.byOperation.set(id, turn);
  }

  /** Operation `id`'s turn, if it took one. */
  turnOf(id: string): ArrivalTurn | undefined {
    return this.byOperation.get(id);
  }

  /** Operation `id` has ended (answered, refused or cancelled): passes its turn, if it still holds one. */
  leave(id: string): void {
    const turn = this.byOperation.get(id);
    if (turn === undefined) return;
    this.byOperation.delete(id);
    turn.pass();
  }

  /** The connection has closed: every turn passes, so nothing waits for an operation that will not come. */
  leaveAll(): void {
    for (const id of [...this.byOperation.keys()]) this.leave(id);
  }
}

/** The mutation field whose operations take an {@link ArrivalOrder} turn. */
const SEND_MESSAGE_FIELD = 'sendMessage';

const sendsMessageByDocument = new WeakMap<DocumentNode, Map<string | null | undefined, boolean>>();

/**
 * Whether the operation `operationName` of `document` (a valid document, as parsed for graphql-ws) is a
 * mutation with a root `sendMessage` field, directly or in a fragment. Remembered per document: clients send
 * the same few, shared by `cachedParse`.
 */
export function sendsMessage(document: DocumentNode, operationName?: string | null): boolean {
  let byName = sendsMessageByDocument.get(document);
  if (!byName) sendsMessageByDocument.set(document, (byName = new Map<string | null | undefined, boolean>()));
  let answer = byName.get(operationName);
  if (answer === undefined) {
    const operation = getOperationAST(document, operationName);
    answer = operation?.operation === OperationTypeNode.MUTATION && selects(document, operation.selectionSet);
    byName.set(operationName, answer);
  }
  return answer;
}

function selects(document: DocumentNode, set: SelectionSetNode, seen = new Set<string>()): boolean {
  return set.selections.some((selection) => {
    if (selection.kind === Kind.FIELD) return selection.name.value === SEND_MESSAGE_FIELD;
    if (selection.kind === Kind.INLINE_FRAGMENT) return selects(document, selection.selectionSet, seen);
    const name = selection.name.value;
    if (seen.has(name)) return false;
    seen.add(name);
    const fragment = document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === name);
    return fragment?.kind === Kind.FRAGMENT_DEFINITION && selects(document, fragment.selectionSet, seen);
  });
}
