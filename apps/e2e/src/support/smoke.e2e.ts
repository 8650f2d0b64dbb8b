import { Browser } from 'playwright-core';
import { ApiProcess, startApi } from './api-process';
import { launchBrowser } from './browser';

describe('API process and Chromium', () => {
  let api: ApiProcess;
  let browser: Browser;

  beforeAll(async () => {
    api = await startApi();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.stop();
  });

  it('serves readiness to a real browser', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`${api.url}/readyz`);
    expect(response?.status()).toBe(200);
    expect(await page.textContent('body')).toContain('"redis":{"status":"up"}');
  });
});
