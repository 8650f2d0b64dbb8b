import type { VisitorIdentity } from './visitor-store';

/** A chat message as `Parley.on('message', …)` listeners receive it. */
export interface ParleyMessage {
  id: string;
  sessionId: string;
  /** Position in the chat session: 1, 2, 3 … */
  seq: number;
  senderRole: 'VISITOR' | 'OPERATOR' | 'SYSTEM';
  /** The operator's name on operator messages, else null. */
  senderName: string | null;
  /** Plain text (never HTML). */
  content: string;
  /** ISO-8601 UTC. */
  sentAt: string;
}

/** Events of the widget and what their listeners receive. */
export interface ParleyEvents {
  /** A message arrived or was confirmed in the visitor's chat session (not re-sent for history). */
  message: ParleyMessage;
  /** The chat panel was opened. */
  open: undefined;
  /** The chat panel was closed (minimised). */
  close: undefined;
  /** Number of operator messages the visitor has not seen yet. */
  unread: number;
}

/** The event names `Parley.on` accepts. */
export type ParleyEventName = keyof ParleyEvents;

/** `window.Parley`: the widget's JavaScript API for the host page. */
export interface ParleyApi {
  /** Version of the widget build. */
  readonly version: string;
  /** Opens the chat panel (loads it on first use). */
  open(): void;
  /** Closes (minimises) the chat panel; the conversation goes on and unread messages show on the launcher. */
  close(): void;
  /**
   * Tells the widget who the visitor is (e.g. your signed-in user). The name and e-mail go to the operators
   * and the pre-chat step is skipped. When a different person was chatting in this browser (another
   * e-mail, or anonymous), the widget starts clean: that person's chat is never shown. `null` signs out.
   *
   * A signed identity (`userId`, `email`, `name`, `issuedAt`, `signature`, signed by your server with
   * Parley's `IDENTITY_SECRET`) makes the visitor that verified user: the same chat on every device and
   * browser, and nobody without the signature can claim it. It is passed to Parley exactly as given.
   */
  identify(identity: VisitorIdentity | null): void;
  /** Listens to a widget event; returns a function that stops listening. */
  on<E extends ParleyEventName>(event: E, listener: (payload: ParleyEvents[E]) => void): () => void;
}
