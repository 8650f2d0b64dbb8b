import type { WidgetConfig } from '../common/config';
import type { ChatPanel, MountChat, WidgetHost } from '../common/host';
import { LAUNCHER_TEXTS } from '../common/locale';
import type { ParleyEventName, ParleyEvents } from '../common/public-api';
import { identityKey, signedIdentity, type VisitorIdentity, VisitorStore } from '../common/visitor-store';
import { adoptStyles } from '../common/styles';
import { LAUNCHER_CSS } from './launcher.styles';

/** Tag name of the widget's host element. */
export const WIDGET_TAG = 'parley-widget';

const CHAT_ICON = 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z';
const CLOSE_ICON = 'M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z';

type Listener = (payload: never) => void;

function svg(path: string): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const el = document.createElementNS(ns, 'svg');
  el.setAttribute('viewBox', '0 0 24 24');
  el.setAttribute('aria-hidden', 'true');
  const p = document.createElementNS(ns, 'path');
  p.setAttribute('d', path);
  el.appendChild(p);
  return el;
}

/**
 * `<parley-widget>`: the launcher button with its unread badge, in an open Shadow DOM so the host page's
 * styles cannot reach in (and ours cannot leak out). The chat panel is loaded by `loadChat` the first time
 * the visitor opens it, or at page load when the visitor has an open chat session (for the unread badge).
 */
export class ParleyWidgetElement extends HTMLElement {
  private readonly host: WidgetHost;
  private readonly launcher: HTMLButtonElement;
  private readonly badge: HTMLSpanElement;
  private readonly panel: HTMLDivElement;
  private readonly frame: HTMLDivElement;
  private readonly listeners = new Map<ParleyEventName, Set<Listener>>();
  private chat?: ChatPanel;
  private chatLoading?: Promise<ChatPanel>;
  private isOpen = false;
  private unread = 0;
  private identity: VisitorIdentity | null = null;

  constructor(
    private readonly config: WidgetConfig,
    private readonly loadChat: (parent: ShadowRoot) => Promise<MountChat>,
    store: VisitorStore = new VisitorStore(config.baseUrl),
  ) {
    super();
    const root = this.attachShadow({ mode: 'open' });
    adoptStyles(root, LAUNCHER_CSS);
    this.panel = document.createElement('div');
    this.panel.className = 'panel';
    this.panel.id = 'parley-panel';
    this.panel.hidden = true;
    this.badge = document.createElement('span');
    this.badge.className = 'badge';
    this.badge.hidden = true;
    this.badge.setAttribute('aria-hidden', 'true');
    this.launcher = document.createElement('button');
    this.launcher.type = 'button';
    this.launcher.className = 'launcher';
    this.launcher.setAttribute('aria-controls', this.panel.id);
    this.launcher.addEventListener('click', () => (this.isOpen ? this.close() : this.open()));
    this.frame = document.createElement('div');
    this.frame.className = 'root';
    this.frame.setAttribute('lang', config.locale);
    this.frame.append(this.panel, this.launcher);
    this.frame.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && this.isOpen) this.close();
    });
    root.append(this.frame);
    this.renderLauncher();

    this.host = {
      config,
      root,
      panel: this.panel,
      store,
      identity: () => this.identity,
      isOpen: () => this.isOpen,
      setUnread: (count) => {
        this.unread = count;
        this.renderLauncher();
      },
      requestClose: () => this.close(),
      emit: (event, payload) => this.emit(event, payload),
    };
    // A visitor with an open chat session gets its messages (and the unread badge) without opening.
    if (store.read().sessionOpen) void this.ensureChat().catch(() => undefined);
  }

  /** Opens the chat panel, loading it first if needed. */
  open(): void {
    if (this.isOpen) return;
    this.isOpen = true;
    this.panel.hidden = false;
    this.frame.classList.add('open');
    this.renderLauncher();
    this.emit('open', undefined);
    this.ensureChat().then(
      (chat) => {
        if (this.isOpen) chat.opened();
      },
      () => undefined,
    );
  }

  /** Closes (minimises) the chat panel and gives focus back to the launcher when it was inside. */
  close(): void {
    if (!this.isOpen) return;
    const focusInside = this.panel.contains(this.shadowRoot?.activeElement ?? null);
    this.isOpen = false;
    this.panel.hidden = true;
    this.frame.classList.remove('open');
    this.renderLauncher();
    this.chat?.closed();
    if (focusInside) this.launcher.focus();
    this.emit('close', undefined);
  }

  /**
   * See `Parley.identify`: a different person than the stored visitor starts clean. A signed identity
   * (with `userId`) is kept exactly as given, as its signature covers the e-mail and name.
   */
  identify(identity: VisitorIdentity | null): void {
    const next: VisitorIdentity | null = !identity
      ? null
      : signedIdentity(identity)
        ? { userId: identity.userId, email: identity.email, name: identity.name, issuedAt: identity.issuedAt, signature: identity.signature }
        : { name: identity.name?.trim() || undefined, email: identity.email?.trim() || undefined };
    const key = identityKey(next);
    const previous = identityKey(this.identity);
    this.identity = key ? next : null;
    const stored = this.host.store.read();
    // What is stored belongs to the person its token was made for; before there is a token, its unsent
    // messages to the person they were written as (kept across a reload); else (a pre-chat profile) to the
    // person identified so far on this page.
    const owner = stored.token || stored.identity !== undefined ? (stored.identity ?? null) : previous;
    if (owner !== key) {
      // Another person: nothing of the previous one stays, and an open panel starts again for the new one
      // (pre-chat step skipped; a signed user's chat from another device shows up).
      this.host.store.clear();
      this.chat?.reset();
    }
  }

  /** Adds an event listener; returns the function removing it. */
  on<E extends ParleyEventName>(event: E, listener: (payload: ParleyEvents[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  private emit<E extends ParleyEventName>(event: E, payload: ParleyEvents[E]): void {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        (listener as (p: ParleyEvents[E]) => void)(payload);
      } catch (error) {
        // A failing host-page listener must not break the widget; report it like an uncaught error.
        setTimeout(() => {
          throw error;
        });
      }
    }
  }

  private ensureChat(): Promise<ChatPanel> {
    if (this.chat) return Promise.resolve(this.chat);
    if (!this.chatLoading) {
      const texts = LAUNCHER_TEXTS[this.config.locale];
      this.setPanelText(texts.loading);
      this.chatLoading = this.loadChat(this.host.root).then(
        (mount) => {
          this.chat = mount(this.host);
          return this.chat;
        },
        (error: unknown) => {
          this.chatLoading = undefined;
          this.setPanelText(texts.loadFailed);
          throw error;
        },
      );
    }
    return this.chatLoading;
  }

  private setPanelText(text: string): void {
    const p = document.createElement('p');
    p.className = 'loading';
    p.setAttribute('role', 'status');
    p.textContent = text;
    this.panel.replaceChildren(p);
  }

  private renderLauncher(): void {
    const texts = LAUNCHER_TEXTS[this.config.locale];
    const showBadge = !this.isOpen && this.unread > 0;
    this.badge.hidden = !showBadge;
    this.badge.textContent = this.unread > 99 ? '99+' : String(this.unread);
    const label = this.isOpen ? texts.close : texts.open;
    this.launcher.setAttribute('aria-label', showBadge ? `${label}, ${texts.unread(this.unread)}` : label);
    this.launcher.setAttribute('aria-expanded', String(this.isOpen));
    this.launcher.replaceChildren(svg(this.isOpen ? CLOSE_ICON : CHAT_ICON), this.badge);
  }
}

/**
 * Loads the chat panel's script (`url`) as a classic script inside the widget's shadow root, so that
 * nothing is added to the host page's DOM and no CORS headers are needed, and resolves with the mount
 * function it announces through the `parley:chunk` window event.
 */
export function loadChatScript(url: string, chunkEvent: string): (parent: ShadowRoot) => Promise<MountChat> {
  return (parent) =>
    new Promise<MountChat>((resolve, reject) => {
      const script = document.createElement('script');
      const cleanup = () => {
        window.removeEventListener(chunkEvent, onChunk);
        script.remove();
      };
      const onChunk = (event: Event) => {
        cleanup();
        resolve((event as CustomEvent<MountChat>).detail);
      };
      script.async = true;
      script.src = url;
      script.onerror = () => {
        cleanup();
        reject(new Error(`Parley: could not load ${url}`));
      };
      window.addEventListener(chunkEvent, onChunk);
      parent.appendChild(script);
    });
}
