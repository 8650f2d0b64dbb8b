import type { WidgetConfig } from './config';
import type { ParleyEventName, ParleyEvents } from './public-api';
import type { VisitorIdentity, VisitorStore } from './visitor-store';

/**
 * What the launcher (widget.js) gives the lazily loaded chat panel: where to render, the settings, the
 * browser storage and a way to talk back to the launcher and the host page.
 */
export interface WidgetHost {
  readonly config: WidgetConfig;
  /** The widget's shadow root (styles go here). */
  readonly root: ShadowRoot;
  /** The element inside the shadow root the chat panel renders into. */
  readonly panel: HTMLElement;
  readonly store: VisitorStore;
  /** The identity given by `Parley.identify`, if any. */
  identity(): VisitorIdentity | null;
  /** Whether the panel is open now. */
  isOpen(): boolean;
  /** Shows `count` on the launcher's unread badge (0 hides it). */
  setUnread(count: number): void;
  /** Closes the panel (the panel's own close button, Escape). */
  requestClose(): void;
  /** Emits a `Parley.on` event to the host page's listeners. */
  emit<E extends ParleyEventName>(event: E, payload: ParleyEvents[E]): void;
}

/** The chat panel as the launcher drives it. */
export interface ChatPanel {
  /** The panel became visible: mark messages read, move focus into it. */
  opened(): void;
  /** The panel was hidden. */
  closed(): void;
  /** The identity changed to another person: drop the current visitor and start clean. */
  reset(): void;
  /** Disconnects and removes the panel. */
  destroy(): void;
}

/** The lazily loaded part's entry: mounts the chat panel. */
export type MountChat = (host: WidgetHost) => ChatPanel;

/** Name of the `window` event the lazily loaded chunk announces itself with (its `detail` is a {@link MountChat}). */
export const CHUNK_EVENT = 'parley:chunk';

/** Name of the `window` event fired once `window.Parley` is ready. */
export const READY_EVENT = 'parley:ready';
