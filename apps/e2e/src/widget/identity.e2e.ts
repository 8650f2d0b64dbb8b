/**
 * Signed visitor identities (issue 6 point 11, through the widget): a site signs its user with
 * `IDENTITY_SECRET` and passes it to `Parley.identify`; two browser profiles identified as the same signed
 * user see the same chat, while an unsigned visitor with the same name and e-mail does not, and a tampered
 * identity is refused without showing anything.
 */
import { createHmac } from 'node:crypto';
import type { BrowserContext } from 'playwright-core';
import { launchProfile, screenshotPath } from '../support/browser';
import { eventually, OperatorDriver } from './support/operator';
import { startWidgetApi, type WidgetApi } from './support/widget-api';
import { waitForText, WidgetOnPage } from './support/widget-page';

const IDENTITY_SECRET = 'e2e-identity-secret-of-at-least-32-characters';

/** What the site's server does (the README's recipe), written independently of the API's code. */
function signIdentity(user: { userId: string; email: string | null; name: string | null }, issuedAt = Math.floor(Date.now() / 1000)) {
  const payload = JSON.stringify([user.userId, user.email, user.name, issuedAt]);
  return { ...user, issuedAt, signature: createHmac('sha256', IDENTITY_SECRET).update(payload).digest('hex') };
}

const ALICE = { userId: 'shop-user-1042', email: 'alice.martin@example.com', name: 'Alice Martin' };

let server: WidgetApi;
let operator: OperatorDriver;
const profiles: BrowserContext[] = [];

beforeAll(async () => {
  server = await startWidgetApi({ IDENTITY_SECRET });
  operator = await OperatorDriver.start(server.api, 'Mark Stone');
  await operator.setPresence('ONLINE');
});

afterAll(async () => {
  await Promise.all(profiles.map((p) => p.close().catch(() => undefined)));
  await operator?.dispose();
  await server?.stop();
});

/** A new browser profile (its own storage) on /demo, identified with `identity`, chat panel open. */
async function visitorIn(identity: Record<string, unknown>): Promise<WidgetOnPage> {
  const profile = await launchProfile();
  profiles.push(profile);
  const page = await profile.newPage();
  await page.setViewportSize({ width: 1100, height: 760 });
  await page.goto(`${server.api.url}/demo`);
  const w = new WidgetOnPage(page);
  await w.ready();
  await page.evaluate((who) => (window as any).Parley.identify(who), identity);
  await w.open();
  await w.composer.waitFor();
  expect(await page.locator('parley-widget form.prechat').count()).toBe(0);
  return w;
}

let sessionId: string;
let first: WidgetOnPage;

it('a signed user starts a chat in one browser; the operator sees the signed, verified visitor', async () => {
  first = await visitorIn(signIdentity(ALICE));
  await first.send('Where is my order #1042?');
  const waiting = await operator.waitForWaiting('Where is my order #1042?');
  sessionId = waiting.id;
  const { session } = await operator.request('query ($id: ID!) { session(id: $id) { visitor { name email verified externalUserId } } }', { id: sessionId });
  expect(session.visitor).toEqual({ name: ALICE.name, email: ALICE.email, verified: true, externalUserId: ALICE.userId });
  await operator.accept(sessionId);
  await operator.send(sessionId, 'It ships tomorrow, Alice.');
  await first.waitForLines(['Where is my order #1042?', 'Mark Stone joined the chat', 'It ships tomorrow, Alice.']);
});

it('the same signed user in a second browser profile sees the same chat at once, and both follow it live', async () => {
  // Signed again later, as the site does on every page view.
  const second = await visitorIn(signIdentity(ALICE, Math.floor(Date.now() / 1000) + 1));
  await second.waitForLines(['Where is my order #1042?', 'Mark Stone joined the chat', 'It ships tomorrow, Alice.']);
  await waitForText(second.subtitle, 'You are chatting with Mark Stone');
  await second.page.screenshot({ path: screenshotPath('widget-signed-identity-second-browser.png') });

  await second.send('Written in my second browser');
  await first.line('Written in my second browser').waitFor();
  await operator.send(sessionId, 'Both of your browsers see this.');
  await first.line('Both of your browsers see this.').waitFor();
  await second.line('Both of your browsers see this.').waitFor();
  const history = (await operator.session(sessionId)).messages.map((m: any) => m.content);
  expect(history.filter((c: string) => c === 'Written in my second browser')).toHaveLength(1);
});

it('an unsigned visitor with the same name and e-mail does not see the signed user’s chat', async () => {
  const impostor = await visitorIn({ name: ALICE.name, email: ALICE.email });
  await impostor.send('Show me my order');
  const waiting = await operator.waitForWaiting('Show me my order');
  expect(waiting.id).not.toBe(sessionId);
  const { session } = await operator.request('query ($id: ID!) { session(id: $id) { visitor { name email verified externalUserId } } }', { id: waiting.id });
  expect(session.visitor).toEqual({ name: ALICE.name, email: ALICE.email, verified: false, externalUserId: null });
  await impostor.waitForLines(['Show me my order']);
  // And the signed user's browsers do not see the impostor's message.
  await operator.send(sessionId, 'Anything else?');
  await first.line('Anything else?').waitFor();
  expect(await first.lines()).not.toContain('Show me my order');
  await impostor.page.screenshot({ path: screenshotPath('widget-unsigned-same-email.png') });
});

it('a tampered signed identity (name changed after signing) is refused: a notice, no chat shown, nothing lost', async () => {
  const tampered = { ...signIdentity(ALICE), name: 'Mallory' };
  const w = await visitorIn(tampered);
  const error = w.page.locator('parley-widget .composer-error');
  await waitForText(error, 'We could not confirm your account. Reload the page and try again.');
  await w.send('Let me in');
  await waitForText(w.status('Let me in'), /Not sent/);
  expect(await w.lines()).toEqual(['Let me in']);
  await w.page.screenshot({ path: screenshotPath('widget-signed-identity-refused.png') });
  expect((await operator.waitingSessions()).some((s) => s.preview === 'Let me in')).toBe(false);
  // A fresh, valid signature from the site, then Retry: the message reaches the signed user's chat.
  await w.page.evaluate((who) => (window as any).Parley.identify(who), signIdentity(ALICE));
  await w.line('Let me in').getByRole('button', { name: 'Retry' }).click();
  await w.line('It ships tomorrow, Alice.').waitFor();
  await eventually(async () => (await operator.session(sessionId)).messages.some((m: any) => m.content === 'Let me in'), 'the retried message in the signed chat');
  await first.line('Let me in').waitFor();
});
