import type { INestApplication } from '@nestjs/common';
import express, { NextFunction, Request, Response } from 'express';
import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * `Cache-Control` of a file whose name carries a hash of its content (`main-HB4VCOIP.js`, `chunk-….js`,
 * `styles-….css` of the Angular build, `chat-OVHUPWLD.js` of the widget's: esbuild's `[name]-[hash]`, eight
 * characters of base32): its content never changes under that name, so browsers and proxies keep it a year
 * without asking again (`immutable`: not even on reload). A new release names new files.
 */
export const CACHE_HASHED = 'public, max-age=31536000, immutable';

/**
 * `Cache-Control` of every other file: the entry points that name the hashed files (the console's
 * `index.html`, `widget.js`, the demo pages) and the few unhashed files beside them (`favicon.svg`,
 * `demo/demo.js`). Stored, but asked for again each time with the validators sent with it (`ETag`,
 * `Last-Modified`): an unchanged file costs a 304 without a body, and a page opened after a deploy names the
 * new release's files, never the previous release's, which are gone (RFC 9111 §5.2.2.4 `no-cache`).
 */
export const CACHE_REVALIDATE = 'no-cache';

/** esbuild's `[name]-[hash]`: a dash and eight characters of its base32 alphabet before the extension. */
const HASHED_NAME = /-[A-Z2-7]{8}\.[a-z0-9]+$/;

/** The `Cache-Control` for the file at `filePath` (its name decides): {@link CACHE_HASHED} or {@link CACHE_REVALIDATE}. */
export function cacheControlFor(filePath: string): string {
  return HASHED_NAME.test(path.basename(filePath)) ? CACHE_HASHED : CACHE_REVALIDATE;
}

/** `express.static`'s options for a folder of built files: each file's `Cache-Control` by {@link cacheControlFor}. */
function staticOptions(index: string | false) {
  return { index, cacheControl: false, setHeaders: (res: Response, filePath: string) => res.setHeader('Cache-Control', cacheControlFor(filePath)) };
}

/**
 * Whether `req` reads a page: GET, or HEAD, which is answered as GET without the body (RFC 9110 §9.3.2;
 * `res.sendFile` leaves the body out by itself).
 */
const reads = (req: Request) => req.method === 'GET' || req.method === 'HEAD';

/** `res.sendFile`'s options for an entry point: asked for again each time ({@link CACHE_REVALIDATE}). */
const ENTRY_POINT = { cacheControl: false, headers: { 'Cache-Control': CACHE_REVALIDATE } };

/**
 * Serves the built browser clients from `staticDir` (normally `dist/apps`):
 * - `/console/…` → `operator-angular/browser/` (the Angular console; unknown paths get `index.html`
 *   so deep links work),
 * - `/widget.js` and `/widget/…` → `widget/` (the embeddable widget and its lazily loaded chunks),
 * - `/demo` → `widget/demo/index.html` (an ordinary company page embedding the widget),
 * - `/` → redirect to `/demo`.
 * Entry points (HTML, `widget.js`) are revalidated on every use and content-hashed files kept a year
 * ({@link cacheControlFor}), so a deploy reaches every new page at once. A client that was not built answers
 * 503 with one line saying how to build it.
 */
export function mountStaticClients(app: INestApplication, staticDir: string): void {
  const consoleDir = path.join(staticDir, 'operator-angular', 'browser');
  const widgetDir = path.join(staticDir, 'widget');
  const notBuilt = (what: string, dir: string) => (_req: Request, res: Response, next: NextFunction) => {
    if (existsSync(dir)) return next();
    res.status(503).type('text/plain').send(`The ${what} is not built: run "npm run build" (looked in ${dir})\n`);
  };

  app.use('/console', notBuilt('operator console', consoleDir), express.static(consoleDir, staticOptions('index.html')));
  app.use('/console', (req: Request, res: Response, next: NextFunction) => {
    if (!reads(req) || path.extname(req.path)) return next();
    res.sendFile(path.join(consoleDir, 'index.html'), ENTRY_POINT);
  });

  app.use('/widget.js', notBuilt('widget', widgetDir), (req: Request, res: Response) => {
    res.type('application/javascript').sendFile(path.join(widgetDir, 'widget.js'), ENTRY_POINT);
  });
  app.use('/widget', notBuilt('widget', widgetDir), express.static(widgetDir, staticOptions(false)));
  app.use('/demo', notBuilt('widget', widgetDir), (req: Request, res: Response, next: NextFunction) => {
    if (!reads(req)) return next();
    res.sendFile(path.join(widgetDir, 'demo', 'index.html'), ENTRY_POINT);
  });
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (reads(req) && req.path === '/') return res.redirect(302, '/demo');
    next();
  });
}
