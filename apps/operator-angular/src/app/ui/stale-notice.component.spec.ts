import { Component, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { ConnectionService } from '../core/connection.service';
import { formatTime } from '../core/format';
import { StaleNoticeComponent } from './stale-notice.component';

@Component({ imports: [StaleNoticeComponent], template: `<parley-stale-notice subject="the waiting queue" [since]="since()" />` })
class HostComponent {
  readonly since = signal<number | null>(null);
}

describe('StaleNoticeComponent', () => {
  const interrupted = signal(false);

  async function render() {
    interrupted.set(false);
    TestBed.configureTestingModule({ providers: [{ provide: ConnectionService, useValue: { interrupted } }] });
    const fixture = TestBed.createComponent(HostComponent);
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    const set = async (since: number | null) => {
      fixture.componentInstance.since.set(since);
      await fixture.whenStable();
    };
    return { fixture, root, set, notice: () => root.querySelector('[data-testid=stale-notice]') };
  }

  it('keeps a polite live region in the page and fills it while retrying, with the subject and since when', async () => {
    const { root, set, notice } = await render();
    const region = root.querySelector('[role=status]');
    expect(region?.getAttribute('aria-live')).toBe('polite');
    expect(region?.textContent?.trim()).toBe('');
    const since = Date.parse('2026-11-29T14:05:00Z');
    await set(since);
    expect(root.querySelector('[role=status]')).toBe(region); // the same region: screen readers announce the change
    expect(notice()?.textContent?.trim()).toBe(
      `Reconnecting to the waiting queue… It may be out of date (no live updates since ${formatTime('2026-11-29T14:05:00Z')}).`,
    );
    expect(root.querySelector('[role=alert]')).toBeNull(); // not an error
    await set(null);
    expect(notice()).toBeNull();
  });

  it('shows nothing while the whole connection is down: the connection banner says so then', async () => {
    const { set, fixture, notice } = await render();
    await set(Date.now());
    interrupted.set(true);
    await fixture.whenStable();
    expect(notice()).toBeNull();
    interrupted.set(false);
    await fixture.whenStable();
    expect(notice()).not.toBeNull();
  });
});
