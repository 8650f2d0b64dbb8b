import { Injectable, InjectionToken, effect, inject, signal } from '@angular/core';
import { readStored, writeStored } from './storage';

/** The browser features the notifier uses; replaced in tests. */
export interface NotificationPlatform {
  /** True when the console's tab is not visible. */
  isHidden(): boolean;
  /** `Notification.permission`, or `'unsupported'`. */
  permission(): NotificationPermission | 'unsupported';
  requestPermission(): Promise<NotificationPermission | 'unsupported'>;
  /** Shows a system notification; clicking it focuses the console. */
  showNotification(title: string, body: string, tag: string): void;
  /** Plays the short new-chat chime. */
  chime(): void;
}

let audio: AudioContext | undefined;

/** The real browser: Page Visibility, the Notification API and a Web Audio chime (no sound file). */
export const browserNotificationPlatform: NotificationPlatform = {
  isHidden: () => globalThis.document?.visibilityState === 'hidden',
  permission: () => (typeof Notification === 'undefined' ? 'unsupported' : Notification.permission),
  requestPermission: async () => (typeof Notification === 'undefined' ? 'unsupported' : Notification.requestPermission()),
  showNotification: (title, body, tag) => {
    if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
    const notification = new Notification(title, { body, tag });
    notification.onclick = () => {
      globalThis.focus();
      notification.close();
    };
  },
  chime: () => {
    if (typeof AudioContext === 'undefined') return;
    audio ??= new AudioContext();
    if (audio.state === 'suspended') void audio.resume();
    const start = audio.currentTime;
    for (const [offset, frequency] of [
      [0, 880],
      [0.16, 1320],
    ] as const) {
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.type = 'sine';
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.25, start + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.3);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(start + offset);
      oscillator.stop(start + offset + 0.32);
    }
  },
};

/** The notification platform the console uses. */
export const NOTIFICATION_PLATFORM = new InjectionToken<NotificationPlatform>('NOTIFICATION_PLATFORM', {
  providedIn: 'root',
  factory: () => browserNotificationPlatform,
});

/** The operator's alert choices, kept in `localStorage`. */
export interface AlertSettings {
  /** Chime when a new chat enters the waiting queue. */
  sound: boolean;
  /** System notification when a new chat arrives while the console's tab is hidden. */
  notifications: boolean;
}

const SETTINGS_KEY = 'alerts';

/**
 * Tells the operator that a new chat is waiting: a chime (unless switched off) and, when the tab is
 * hidden, a browser notification (unless switched off or not permitted). Both choices survive reloads.
 */
@Injectable({ providedIn: 'root' })
export class NotifierService {
  private readonly platform = inject(NOTIFICATION_PLATFORM);
  /** The operator's choices. */
  readonly settings = signal<AlertSettings>({ sound: true, notifications: true, ...readStored<Partial<AlertSettings>>(SETTINGS_KEY, {}) });
  /** The browser's notification permission (`unsupported` when there is no Notification API). */
  readonly permission = signal(this.platform.permission());

  constructor() {
    effect(() => writeStored(SETTINGS_KEY, this.settings()));
  }

  /** Switches the chime on or off. */
  setSound(on: boolean): void {
    this.settings.update((s) => ({ ...s, sound: on }));
  }

  /** Switches notifications on or off; switching on asks the browser for permission when needed. */
  async setNotifications(on: boolean): Promise<void> {
    this.settings.update((s) => ({ ...s, notifications: on }));
    if (on) await this.ensurePermission();
  }

  /** Asks for notification permission if notifications are on and the browser has not been asked yet. */
  async ensurePermission(): Promise<void> {
    if (!this.settings().notifications || this.platform.permission() !== 'default') return;
    this.permission.set(await this.platform.requestPermission());
  }

  /** Alerts the operator to a chat that just entered the waiting queue. */
  newChat(visitor: string, preview: string | null, sessionId: string): void {
    const { sound, notifications } = this.settings();
    if (sound) this.platform.chime();
    if (notifications && this.platform.isHidden() && this.platform.permission() === 'granted') {
      this.platform.showNotification(`New chat: ${visitor}`, preview ?? 'A visitor is waiting', `parley-chat-${sessionId}`);
    }
  }
}
