import { signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { MatSnackBar } from '@angular/material/snack-bar';
import { provideRouter, Router } from '@angular/router';
import type { ChatSessionFieldsFragment } from '@parley/graphql';
import { ClockService } from '../core/clock.service';
import { ConnectionService } from '../core/connection.service';
import { givenSession } from '../testing/fakes';
import { QueueListComponent } from './queue-list.component';
import { type AcceptOutcome, QueueStore } from './queue.store';

describe('QueueListComponent', () => {
  const now = signal(Date.parse('2026-11-29T10:00:00Z'));
  let sessions: ReturnType<typeof signal<readonly ChatSessionFieldsFragment[]>>;
  let accept: jest.Mock<Promise<AcceptOutcome>, [ChatSessionFieldsFragment]>;
  let snack: jest.Mock;
  let retryingSince: ReturnType<typeof signal<number | null>>;
  let interrupted: ReturnType<typeof signal<boolean>>;

  async function render(list: ChatSessionFieldsFragment[]) {
    sessions = signal<readonly ChatSessionFieldsFragment[]>(list);
    retryingSince = signal<number | null>(null);
    interrupted = signal(false);
    accept = jest.fn();
    snack = jest.fn();
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        { provide: ClockService, useValue: { now } },
        { provide: MatSnackBar, useValue: { open: snack } },
        { provide: ConnectionService, useValue: { interrupted } },
        {
          provide: QueueStore,
          useValue: { sessions, count: () => sessions().length, accepting: signal(new Set<string>()), loaded: () => true, loadError: () => null, retryingSince, accept },
        },
      ],
    });
    const fixture = TestBed.createComponent(QueueListComponent);
    await fixture.whenStable();
    return { fixture, root: fixture.nativeElement as HTMLElement };
  }

  it("shows each waiting visitor's name (or Visitor #…), first message, page and waiting time", async () => {
    const named = givenSession({ queuedAt: '2026-11-29T09:58:55Z', preview: 'Where is my parcel?' });
    const anonymous = givenSession({ queuedAt: '2026-11-29T09:59:50Z', visitor: { ...givenSession().visitor, id: 'abcdef12-0000-4000-8000-000000000000', name: null, pageUrl: null } });
    const { root } = await render([named, anonymous]);
    const items = [...root.querySelectorAll('[data-testid=queue-item]')];
    expect(items.map((i) => i.querySelector('[data-testid=queue-visitor]')?.textContent?.trim())).toEqual(['Ada', 'Visitor #ABCDEF']);
    expect(items[0].querySelector('[data-testid=queue-preview]')?.textContent).toContain('Where is my parcel?');
    expect(items[0].querySelector('[data-testid=queue-page] a')?.getAttribute('href')).toBe('https://shop.example/pricing');
    expect(items[0].querySelector('[data-testid=queue-waited]')?.textContent?.trim()).toBe('1:05');
    expect(items[1].querySelector('[data-testid=queue-waited]')?.textContent?.trim()).toBe('0:10');
  });

  it('ticks the waiting time', async () => {
    const { root, fixture } = await render([givenSession({ queuedAt: '2026-11-29T09:59:50Z' })]);
    now.set(Date.parse('2026-11-29T10:00:03Z'));
    await fixture.whenStable();
    expect(root.querySelector('[data-testid=queue-waited]')?.textContent?.trim()).toBe('0:13');
    now.set(Date.parse('2026-11-29T10:00:00Z'));
  });

  it('shows a visitor-supplied page URL that is not http(s) as text, never as a link', async () => {
    const { root } = await render([givenSession({ visitor: { ...givenSession().visitor, pageUrl: 'javascript:alert(1)', name: '<script>x</script>' } })]);
    expect(root.querySelector('[data-testid=queue-page] a')).toBeNull();
    expect(root.querySelector('[data-testid=queue-page]')?.textContent?.trim()).toBe('javascript:alert(1)');
    expect(root.querySelector('script')).toBeNull();
    expect(root.querySelector('[data-testid=queue-visitor]')?.textContent).toBe('<script>x</script>');
  });

  it('opens the chat after accepting it', async () => {
    const session = givenSession();
    const { root, fixture } = await render([session]);
    const navigate = jest.spyOn(TestBed.inject(Router), 'navigate').mockResolvedValue(true);
    accept.mockResolvedValue({ kind: 'accepted', chat: { id: session.id } as never });
    root.querySelector<HTMLButtonElement>('[data-testid=queue-accept]')!.click();
    await fixture.whenStable();
    expect(accept).toHaveBeenCalledWith(session);
    expect(navigate).toHaveBeenCalledWith(['/chats', session.id]);
  });

  it('shows a notice, not an error dialog, when another operator was faster', async () => {
    const { root, fixture } = await render([givenSession()]);
    accept.mockResolvedValue({ kind: 'taken', visitor: 'Ada' });
    root.querySelector<HTMLButtonElement>('[data-testid=queue-accept]')!.click();
    await fixture.whenStable();
    expect(snack).toHaveBeenCalledWith('Another operator already accepted the chat with Ada.', 'OK', expect.anything());
    expect(document.querySelector('mat-dialog-container')).toBeNull();
  });

  it('says, politely and beside the list, that the queue may be out of date while its subscription is retried', async () => {
    const { root, fixture } = await render([givenSession()]);
    const notice = () => root.querySelector('[data-testid=stale-notice]');
    expect(notice()).toBeNull();
    const region = root.querySelector('parley-stale-notice [role=status]');
    expect(region?.getAttribute('aria-live')).toBe('polite');

    retryingSince.set(Date.parse('2026-11-29T09:58:00Z'));
    await fixture.whenStable();
    expect(region?.contains(notice())).toBe(true);
    expect(notice()?.textContent).toContain('Reconnecting to the waiting queue… It may be out of date');
    expect(root.querySelectorAll('[data-testid=queue-item]')).toHaveLength(1); // the list stays

    retryingSince.set(null);
    await fixture.whenStable();
    expect(notice()).toBeNull();
  });
});
