import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Title } from '@angular/platform-browser';
import { provideRouter } from '@angular/router';
import type { Presence } from '@parley/graphql';
import { Subject } from 'rxjs';
import { ActiveChatsStore } from '../chat/active-chats.store';
import { AuthService } from '../core/auth.service';
import { ConnectionService } from '../core/connection.service';
import { PresenceService } from '../core/presence.service';
import { QueueStore } from '../queue/queue.store';
import { givenSession } from '../testing/fakes';
import { ConsoleShellComponent, consoleTitle } from './console-shell.component';

describe('ConsoleShellComponent', () => {
  const waiting = signal([givenSession(), givenSession()]);
  const interrupted = signal(false);
  const presence = signal<Presence>('AWAY');
  const setPresence = jest.fn((p: Presence) => {
    presence.set(p);
    return Promise.resolve();
  });

  async function render() {
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        { provide: ConnectionService, useValue: { interrupted, browserOnline: () => true, reconnected$: new Subject<void>() } },
        { provide: PresenceService, useValue: { presence, busy: () => false, error: () => null, set: setPresence, load: () => Promise.resolve() } },
      ],
    });
    TestBed.overrideComponent(ConsoleShellComponent, {
      set: {
        providers: [
          { provide: QueueStore, useValue: { count: () => waiting().length, sessions: waiting, accepting: signal(new Set()), loaded: () => true, loadError: () => null, retryingSince: () => null, start: jest.fn() } },
          { provide: ActiveChatsStore, useValue: { chats: () => [], load: () => Promise.resolve(), loadError: () => null, totalUnread: () => 0 } },
        ],
      },
    });
    TestBed.inject(AuthService).start({ accessToken: 't', expiresAt: new Date(Date.now() + 60_000).toISOString(), operator: { id: 'op', name: 'Olga', email: null, presence: 'AWAY' } });
    const fixture = TestBed.createComponent(ConsoleShellComponent);
    await fixture.whenStable();
    return { fixture, root: fixture.nativeElement as HTMLElement };
  }

  beforeEach(() => localStorage.clear());

  it('puts the waiting count in the tab title and the toolbar, live', async () => {
    const { root, fixture } = await render();
    expect(TestBed.inject(Title).getTitle()).toBe('(2) waiting · Parley console');
    expect(root.querySelector('[data-testid=queue-count]')?.textContent).toContain('2');
    waiting.set([]);
    await fixture.whenStable();
    expect(TestBed.inject(Title).getTitle()).toBe('Parley console');
    expect(consoleTitle(1)).toBe('(1) waiting · Parley console');
  });

  it('shows and changes the presence', async () => {
    const { root, fixture } = await render();
    const pressed = () => root.querySelector('[data-testid=presence] .mat-button-toggle-checked')?.textContent?.trim();
    expect(pressed()).toBe('Away');
    root.querySelector<HTMLButtonElement>('[data-testid=presence-ONLINE] button')!.click();
    await fixture.whenStable();
    expect(setPresence).toHaveBeenCalledWith('ONLINE');
    expect(pressed()).toBe('Online');
  });

  it('shows a banner while the connection is interrupted', async () => {
    const { root, fixture } = await render();
    expect(root.querySelector('[data-testid=connection-banner]')).toBeNull();
    interrupted.set(true);
    await fixture.whenStable();
    expect(root.querySelector('[data-testid=connection-banner]')?.getAttribute('role')).toBe('alert');
    interrupted.set(false);
  });

  it('signs out', async () => {
    const { root } = await render();
    root.querySelector<HTMLButtonElement>('[data-testid=sign-out]')!.click();
    expect(TestBed.inject(AuthService).signedIn()).toBe(false);
  });
});
