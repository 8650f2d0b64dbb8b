import { BreakpointObserver } from '@angular/cdk/layout';
import { ChangeDetectionStrategy, Component, DestroyRef, ElementRef, computed, effect, inject, signal, viewChild } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatButtonToggleModule } from '@angular/material/button-toggle';
import { MatMenuModule } from '@angular/material/menu';
import { MatSidenavModule } from '@angular/material/sidenav';
import { MatSnackBar, MatSnackBarModule } from '@angular/material/snack-bar';
import { MatToolbarModule } from '@angular/material/toolbar';
import { Title } from '@angular/platform-browser';
import { NavigationEnd, Router, RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import type { Presence } from '@parley/graphql';
import { filter, map } from 'rxjs';
import { ActiveChatsStore } from '../chat/active-chats.store';
import { ChatListComponent } from '../chat/chat-list.component';
import { AuthService } from '../core/auth.service';
import { ConnectionService } from '../core/connection.service';
import { NotifierService } from '../core/notifier.service';
import { PresenceService } from '../core/presence.service';
import { QueueListComponent } from '../queue/queue-list.component';
import { QueueStore } from '../queue/queue.store';
import { IconComponent } from '../ui/icon.component';
import { ConnectionBannerComponent } from './connection-banner.component';

/** Below this width the side panel (queue, chats) slides over the chat instead of sitting beside it. */
export const COMPACT_LAYOUT_QUERY = '(max-width: 759.98px)';

/** The tab title: the waiting-queue count first, so it shows in a crowded tab bar. */
export function consoleTitle(waiting: number): string {
  return waiting > 0 ? `(${waiting}) waiting · Parley console` : 'Parley console';
}

/**
 * The signed-in console: toolbar (queue count, presence, alert settings, sign-out), the connection
 * banner, the side panel with the waiting queue and the operator's chats, and the open chat or history.
 * Provides the queue and chat stores, so everything live ends when the operator signs out.
 */
@Component({
  selector: 'parley-console-shell',
  imports: [
    RouterOutlet,
    RouterLink,
    RouterLinkActive,
    MatToolbarModule,
    MatSidenavModule,
    MatButtonModule,
    MatButtonToggleModule,
    MatMenuModule,
    MatSnackBarModule,
    IconComponent,
    ConnectionBannerComponent,
    QueueListComponent,
    ChatListComponent,
  ],
  providers: [ActiveChatsStore, QueueStore],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './console-shell.component.html',
  styleUrl: './console-shell.component.css',
})
export class ConsoleShellComponent {
  protected readonly auth = inject(AuthService);
  protected readonly presence = inject(PresenceService);
  protected readonly notifier = inject(NotifierService);
  protected readonly queue = inject(QueueStore);
  protected readonly chats = inject(ActiveChatsStore);
  private readonly connection = inject(ConnectionService);
  private readonly snackBar = inject(MatSnackBar);
  private readonly router = inject(Router);
  private readonly main = viewChild.required<ElementRef<HTMLElement>>('main');

  /** Narrow window (tablet portrait): the side panel slides over. */
  protected readonly compact = toSignal(inject(BreakpointObserver).observe(COMPACT_LAYOUT_QUERY).pipe(map((state) => state.matches)), {
    initialValue: false,
  });
  /** The side panel is open in the compact layout. */
  protected readonly panelOpen = signal(false);
  protected readonly presenceChoices: readonly { value: Presence; label: string }[] = [
    { value: 'ONLINE', label: 'Online' },
    { value: 'AWAY', label: 'Away' },
    { value: 'OFFLINE', label: 'Offline' },
  ];
  protected readonly operatorName = computed(() => this.auth.operator()?.name ?? '');

  constructor() {
    const title = inject(Title);
    effect(() => title.setTitle(consoleTitle(this.queue.count())));
    effect(() => {
      const message = this.presence.error();
      if (message) this.snackBar.open(message, 'Dismiss', { duration: 8000 });
    });

    this.queue.start();
    void this.chats.load();
    this.presence.load().catch(() => {
      // The stored operator stays; the next reconnection reads it again.
    });

    const subscriptions = [
      this.connection.reconnected$.subscribe(() => {
        // Not "up to date": the streams catch up after this, and say so themselves while they cannot (stale notice).
        this.snackBar.open('Reconnected.', undefined, { duration: 4000 });
        void this.presence.load().catch(() => undefined);
      }),
      this.router.events.pipe(filter((e) => e instanceof NavigationEnd)).subscribe(() => this.panelOpen.set(false)),
    ];
    inject(DestroyRef).onDestroy(() => subscriptions.forEach((s) => s.unsubscribe()));
  }

  protected setPresence(presence: Presence): void {
    void this.presence.set(presence);
  }

  protected toggleSound(): void {
    this.notifier.setSound(!this.notifier.settings().sound);
  }

  protected toggleNotifications(): void {
    void this.notifier.setNotifications(!this.notifier.settings().notifications);
  }

  protected signOut(): void {
    this.auth.signOut();
  }

  /** Moves keyboard focus to the main area (skip link). */
  protected skipToMain(): void {
    this.main().nativeElement.focus();
  }
}
