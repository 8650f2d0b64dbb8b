// The built clients across deploys: entry points (the console's index.html, its deep links, widget.js, the
// demo page) are revalidated on every use, so a page opened after a deploy never names files that are gone;
// an unchanged one costs a 304. Content-hashed files are kept a year, immutable. And HEAD answers as GET.
// A STATIC_DIR of the built layout with small files of the test's own: the real build may change under a test run.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestApi, TestApi } from './support/test-app';

const FILES: Record<string, string> = {
  'operator-angular/browser/index.html': '<!doctype html><script src="main-HB4VCOIP.js" type="module"></script>',
  'operator-angular/browser/main-HB4VCOIP.js': 'import "./chunk-2CPSYI7J.js";',
  'operator-angular/browser/chunk-2CPSYI7J.js': 'export {};',
  'operator-angular/browser/styles-ROK4AM7K.css': 'body{}',
  'operator-angular/browser/favicon.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
  'widget/widget.js': '/* loads chat-OVHUPWLD.js */',
  'widget/chat-OVHUPWLD.js': '/* the chat panel */',
  'widget/demo/index.html': '<!doctype html><script src="/widget.js" async></script>',
  'widget/demo/demo.js': '/* demo */',
};

const REVALIDATE = 'no-cache';
const IMMUTABLE = 'public, max-age=31536000, immutable';

describe('static clients: caching across deploys, and HEAD', () => {
  let staticDir: string;
  let api: TestApi;

  beforeAll(async () => {
    staticDir = mkdtempSync(path.join(os.tmpdir(), 'parley-static-'));
    for (const [file, content] of Object.entries(FILES)) {
      mkdirSync(path.dirname(path.join(staticDir, file)), { recursive: true });
      writeFileSync(path.join(staticDir, file), content);
    }
    api = await startTestApi({ STATIC_DIR: staticDir });
  });
  afterAll(async () => {
    await api?.close();
    rmSync(staticDir, { recursive: true, force: true });
  });

  const get = (url: string, headers: Record<string, string> = {}, method = 'GET') => fetch(`${api.httpUrl}${url}`, { method, headers, redirect: 'manual' });
  /**
   * A browser's revalidation of a stored `no-cache` answer: its validator, and `max-age=0` as a reload sends it
   * (fetch() would otherwise add `Cache-Control: no-cache` to a conditional request, which asks for the whole file).
   */
  const revalidate = (url: string, validator: Record<string, string>) => get(url, { ...validator, 'cache-control': 'max-age=0' });

  it.each([
    ['/console/', 'operator-angular/browser/index.html'],
    ['/console/chats/some-chat', 'operator-angular/browser/index.html'],
    ['/console/favicon.svg', 'operator-angular/browser/favicon.svg'],
    ['/widget.js', 'widget/widget.js'],
    ['/demo', 'widget/demo/index.html'],
    ['/widget/demo/demo.js', 'widget/demo/demo.js'],
  ])('%s: revalidated each time (no-cache) with validators; unchanged, a 304 without a body; changed, the new file', async (url, file) => {
    const first = await get(url);
    expect(first.status).toBe(200);
    expect(await first.text()).toBe(FILES[file]);
    expect(first.headers.get('cache-control')).toBe(REVALIDATE);
    const etag = first.headers.get('etag');
    const lastModified = first.headers.get('last-modified');
    expect(etag).toBeTruthy();
    expect(lastModified).toBeTruthy();

    const unchanged = await revalidate(url, { 'if-none-match': etag! });
    expect(unchanged.status).toBe(304);
    expect(await unchanged.text()).toBe('');
    expect((await revalidate(url, { 'if-modified-since': lastModified! })).status).toBe(304);

    // A deploy: the same name, new content (and a new modification time).
    const deployed = `${FILES[file]} <!-- next release -->`;
    writeFileSync(path.join(staticDir, file), deployed);
    utimesSync(path.join(staticDir, file), new Date(), new Date(Date.now() + 5000));
    try {
      const changed = await revalidate(url, { 'if-none-match': etag! });
      expect(changed.status).toBe(200);
      expect(await changed.text()).toBe(deployed);
    } finally {
      writeFileSync(path.join(staticDir, file), FILES[file]);
    }
  });

  it.each([
    ['/console/main-HB4VCOIP.js', 'operator-angular/browser/main-HB4VCOIP.js'],
    ['/console/chunk-2CPSYI7J.js', 'operator-angular/browser/chunk-2CPSYI7J.js'],
    ['/console/styles-ROK4AM7K.css', 'operator-angular/browser/styles-ROK4AM7K.css'],
    ['/widget/chat-OVHUPWLD.js', 'widget/chat-OVHUPWLD.js'],
  ])('%s (content-hashed): kept a year, immutable', async (url, file) => {
    const response = await get(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(FILES[file]);
    expect(response.headers.get('cache-control')).toBe(IMMUTABLE);
  });

  it.each(['/demo', '/console/chats/some-chat', '/console/', '/widget.js', '/widget/chat-OVHUPWLD.js', '/'])(
    'HEAD %s answers as GET does, without the body',
    async (url) => {
      const [got, head] = [await get(url), await get(url, {}, 'HEAD')];
      expect(got.status).toBeLessThan(400);
      expect(head.status).toBe(got.status);
      for (const header of ['content-type', 'content-length', 'cache-control', 'etag', 'location']) {
        expect([header, head.headers.get(header)]).toEqual([header, got.headers.get(header)]);
      }
      expect(await head.text()).toBe('');
    },
  );
});
