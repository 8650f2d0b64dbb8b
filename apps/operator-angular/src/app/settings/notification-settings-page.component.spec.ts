import { TestBed } from '@angular/core/testing';
import { GraphqlService } from '../core/graphql.service';
import { RequestError } from '../core/request-error';
import { FakeGraphql, flush } from '../testing/fakes';
import { NotificationSettingsPageComponent, formatSeconds } from './notification-settings-page.component';

const TELEGRAM_ONLY = {
  notificationSettings: {
    waitingThresholdSeconds: 180,
    channels: [
      { channel: 'TELEGRAM', configured: true, destinations: ['-1001234567890', '42'] },
      { channel: 'EMAIL', configured: false, destinations: [] },
    ],
  },
};

const NOTHING = {
  notificationSettings: {
    waitingThresholdSeconds: 180,
    channels: [
      { channel: 'TELEGRAM', configured: false, destinations: [] },
      { channel: 'EMAIL', configured: false, destinations: [] },
    ],
  },
};

describe('NotificationSettingsPageComponent', () => {
  let graphql: FakeGraphql;

  beforeEach(() => {
    graphql = new FakeGraphql();
    TestBed.configureTestingModule({ providers: [{ provide: GraphqlService, useValue: graphql }] });
  });

  async function render() {
    const fixture = TestBed.createComponent(NotificationSettingsPageComponent);
    await flush();
    await fixture.whenStable();
    const root = fixture.nativeElement as HTMLElement;
    const text = (selector: string) => root.querySelector(selector)?.textContent?.replace(/\s+/g, ' ').trim();
    const all = (selector: string) => [...root.querySelectorAll(selector)].map((e) => e.textContent?.replace(/\s+/g, ' ').trim());
    const click = async (selector: string) => {
      root.querySelector<HTMLButtonElement>(selector)!.click();
      await flush();
      await fixture.whenStable();
    };
    const button = (selector: string) => root.querySelector<HTMLButtonElement>(selector);
    return { fixture, root, text, all, click, button };
  }

  it('shows which channels are configured, where they send, and the waiting threshold', async () => {
    graphql.on('NotificationSettings', () => TELEGRAM_ONLY);
    const { root, text, all } = await render();
    const telegram = root.querySelector('[data-channel=TELEGRAM]')!;
    const email = root.querySelector('[data-channel=EMAIL]')!;
    expect(telegram.querySelector('[data-testid=channel-state]')?.textContent?.trim()).toBe('Configured');
    expect(all('[data-channel=TELEGRAM] [data-testid=channel-destination]')).toEqual(['-1001234567890', '42']);
    expect(telegram.querySelector('[data-testid=send-test-TELEGRAM]')).not.toBeNull();
    expect(email.querySelector('[data-testid=channel-state]')?.textContent?.trim()).toBe('Not configured');
    expect(email.textContent).toContain('SMTP_URL and NOTIFY_EMAILS');
    expect(email.querySelector('button')).toBeNull();
    expect(text('[data-testid=waiting-threshold]')).toContain('longer than 3 min');
  });

  it('sends a test to every configured channel and shows one result per destination, failures with their reason', async () => {
    graphql
      .on('NotificationSettings', () => TELEGRAM_ONLY)
      .on('SendTestNotification', () => ({
        sendTestNotification: [
          { channel: 'TELEGRAM', destination: '-1001234567890', delivered: true, error: null },
          { channel: 'TELEGRAM', destination: '42', delivered: false, error: 'Telegram answered 400: Bad Request: chat not found' },
        ],
      }));
    const { root, text, all, click } = await render();
    await click('[data-testid=send-test-notification]');
    expect(graphql.callsOf('SendTestNotification')).toEqual([{}]);
    expect(text('[data-testid=test-summary]')).toMatch(/1 of 2 destinations accepted it/);
    const results = [...root.querySelectorAll('[data-testid=test-result]')];
    expect(results.map((r) => r.getAttribute('data-delivered'))).toEqual(['true', 'false']);
    expect(all('[data-testid=test-result]')[0]).toBe('Telegram → -1001234567890: Delivered');
    expect(text('[data-testid=test-result-error]')).toBe('Not delivered: Telegram answered 400: Bad Request: chat not found');
    expect(root.querySelector('[data-testid=test-outcome]')?.getAttribute('role')).toBe('status');
  });

  it('sends a test to one channel with its button', async () => {
    graphql
      .on('NotificationSettings', () => TELEGRAM_ONLY)
      .on('SendTestNotification', () => ({ sendTestNotification: [{ channel: 'TELEGRAM', destination: '42', delivered: true, error: null }] }));
    const { text, click } = await render();
    await click('[data-testid=send-test-TELEGRAM]');
    expect(graphql.callsOf('SendTestNotification')).toEqual([{ channel: 'TELEGRAM' }]);
    expect(text('[data-testid=test-summary]')).toMatch(/1 of 1 destination accepted it/);
  });

  it("shows the API's BAD_USER_INPUT (nothing configured) as a clear error and reads the settings again", async () => {
    let settings: typeof TELEGRAM_ONLY = TELEGRAM_ONLY;
    graphql
      .on('NotificationSettings', () => settings)
      .on('SendTestNotification', () => {
        throw new RequestError('No notification channel is configured: set TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_IDS, or SMTP_URL and NOTIFY_EMAILS', 'BAD_USER_INPUT', false);
      });
    const { root, text, click, button } = await render();
    // The server restarted without Telegram since the page was loaded.
    settings = NOTHING;
    await click('[data-testid=send-test-notification]');
    expect(text('[data-testid=test-error]')).toBe(
      'Not sent: No notification channel is configured: set TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_IDS, or SMTP_URL and NOTIFY_EMAILS',
    );
    expect(root.querySelectorAll('[data-testid=test-result]')).toHaveLength(0);
    expect(graphql.callsOf('NotificationSettings')).toHaveLength(2);
    expect(root.querySelector('[data-channel=TELEGRAM] [data-testid=channel-state]')?.textContent?.trim()).toBe('Not configured');
    expect(button('[data-testid=send-test-notification]')?.disabled).toBe(true);
    expect(text('[data-testid=nothing-configured]')).toMatch(/No channel is configured/);
  });

  it('says so when the server cannot be reached', async () => {
    graphql
      .on('NotificationSettings', () => TELEGRAM_ONLY)
      .on('SendTestNotification', () => {
        throw new RequestError('Failed to fetch', undefined, true);
      });
    const { text, click } = await render();
    await click('[data-testid=send-test-notification]');
    expect(text('[data-testid=test-error]')).toMatch(/server could not be reached/);
  });

  it('shows "Sending…" and refuses a second press while a test is under way', async () => {
    let answer!: (value: unknown) => void;
    graphql.on('NotificationSettings', () => TELEGRAM_ONLY).on('SendTestNotification', () => new Promise((resolve) => (answer = resolve)));
    const { fixture, click, button } = await render();
    await click('[data-testid=send-test-notification]');
    expect(button('[data-testid=send-test-notification]')?.textContent?.trim()).toBe('Sending…');
    expect(button('[data-testid=send-test-notification]')?.disabled).toBe(true);
    expect(button('[data-testid=send-test-TELEGRAM]')?.disabled).toBe(true);
    answer({ sendTestNotification: [{ channel: 'TELEGRAM', destination: '42', delivered: true, error: null }] });
    await flush();
    await fixture.whenStable();
    expect(button('[data-testid=send-test-notification]')?.textContent?.trim()).toBe('Send test notification');
    expect(graphql.callsOf('SendTestNotification')).toHaveLength(1);
  });

  it('disables the test when nothing is configured', async () => {
    graphql.on('NotificationSettings', () => NOTHING);
    const { button, text } = await render();
    expect(button('[data-testid=send-test-notification]')?.disabled).toBe(true);
    expect(text('[data-testid=nothing-configured]')).toMatch(/nothing to test/);
  });

  it('says why the settings could not be loaded, with a retry', async () => {
    let fail = true;
    graphql.on('NotificationSettings', () => {
      if (fail) throw new RequestError('Failed to fetch', undefined, true);
      return TELEGRAM_ONLY;
    });
    const { root, text, click } = await render();
    expect(text('[data-testid=settings-load-error]')).toMatch(/Could not load the notification settings/);
    fail = false;
    await click('[data-testid=settings-load-error] button');
    expect(root.querySelector('[data-testid=settings-load-error]')).toBeNull();
    expect(root.querySelectorAll('[data-testid=notification-channel]')).toHaveLength(2);
  });
});

describe('formatSeconds', () => {
  it('reads as a duration', () => {
    expect(formatSeconds(45)).toBe('45 s');
    expect(formatSeconds(180)).toBe('3 min');
    expect(formatSeconds(150)).toBe('2 min 30 s');
    expect(formatSeconds(3900)).toBe('1 h 5 min');
    expect(formatSeconds(7200)).toBe('2 h');
  });
});
