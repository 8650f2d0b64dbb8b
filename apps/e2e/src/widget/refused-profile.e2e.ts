/**
 * A name or e-mail the API refuses never blocks a visitor: the pre-chat step refuses what `createVisitor`'s
 * `@IsEmail()` refuses (`john@gmail.c`), and what the API still refuses (here an unsigned `Parley.identify`
 * with `ops@intranet`) brings the visitor to the pre-chat step with the API's reason under the field, their
 * messages kept and sent once they correct it, also after a reload.
 */
import type { BrowserContext } from 'playwright-core';
import { launchProfile, screenshotPath } from '../support/browser';
import { OperatorDriver } from './support/operator';
import { startWidgetApi, type WidgetApi } from './support/widget-api';
import { waitForText, WidgetOnPage } from './support/widget-page';

let server: WidgetApi;
let operator: OperatorDriver;
const profiles: BrowserContext[] = [];

beforeAll(async () => {
  server = await startWidgetApi();
  operator = await OperatorDriver.start(server.api, 'Mark Stone');
  await operator.setPresence('ONLINE');
});

afterAll(async () => {
  await Promise.all(profiles.map((p) => p.close().catch(() => undefined)));
  await operator?.dispose();
  await server?.stop();
});

async function visitor(): Promise<{ w: WidgetOnPage; warnings: string[] }> {
  const profile = await launchProfile();
  profiles.push(profile);
  const page = await profile.newPage();
  await page.setViewportSize({ width: 1100, height: 760 });
  const warnings: string[] = [];
  page.on('console', (m) => void (m.type() === 'warning' && m.text().startsWith('Parley') && warnings.push(m.text())));
  await page.goto(`${server.api.url}/demo`);
  const w = new WidgetOnPage(page);
  await w.ready();
  return { w, warnings };
}

const emailError = (w: WidgetOnPage) => w.page.locator('parley-widget label:has(input[name=email]) .error');

it('the pre-chat step refuses an e-mail the API would refuse (a one-letter top-level domain)', async () => {
  const { w } = await visitor();
  await w.open();
  await w.page.locator('parley-widget input[name=name]').fill('John Typo');
  await w.page.locator('parley-widget input[name=email]').fill('john@gmail.c');
  await w.page.locator('parley-widget form.prechat button[type=submit]').click();
  await waitForText(emailError(w), 'Please enter a valid e-mail address.');
  expect(await w.composer.isVisible()).toBe(false);
  await w.page.screenshot({ path: screenshotPath('widget-prechat-email-refused-locally.png') });
  await w.prechat('John Typo', 'john@gmail.com');
  await w.send('Hello, typo fixed');
  await operator.waitForWaiting('Hello, typo fixed');
});

it('an identify() e-mail the API refuses: a console warning, the form with the API’s reason, and the messages sent once corrected, also after a reload', async () => {
  const { w, warnings } = await visitor();
  await w.page.evaluate(() => (window as any).Parley.identify({ name: 'Ops Desk', email: 'ops@intranet' }));
  await w.open();
  await w.send('Our printer is on fire');
  await waitForText(emailError(w), 'email must be an e-mail address');
  expect(await w.page.locator('parley-widget input[name=email]').inputValue()).toBe('ops@intranet');
  expect(warnings).toEqual([expect.stringMatching(/Parley\.identify.*email must be an e-mail address/)]);

  // A reload (the page identifies them again): still asked, the message still kept, not sent.
  await w.page.reload();
  await w.ready();
  await w.page.evaluate(() => (window as any).Parley.identify({ name: 'Ops Desk', email: 'ops@intranet' }));
  await w.open();
  await waitForText(emailError(w), 'email must be an e-mail address');
  await w.page.screenshot({ path: screenshotPath('widget-identify-email-refused-by-api.png') });
  expect((await operator.waitingSessions()).some((s) => s.preview === 'Our printer is on fire')).toBe(false);

  await w.page.locator('parley-widget input[name=email]').fill('ops@intranet.example.com');
  await w.page.locator('parley-widget form.prechat button[type=submit]').click();
  await waitForText(w.status('Our printer is on fire'), 'Sent');
  const waiting = await operator.waitForWaiting('Our printer is on fire');
  const { session } = await operator.request('query ($id: ID!) { session(id: $id) { visitor { name email } } }', { id: waiting.id });
  expect(session.visitor).toEqual({ name: 'Ops Desk', email: 'ops@intranet.example.com' });
  await w.page.screenshot({ path: screenshotPath('widget-identify-email-corrected.png') });
});
