import type { INestApplication } from '@nestjs/common';
import express, { NextFunction, Request, Response } from 'express';
import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Serves the built browser clients from `staticDir` (normally `dist/apps`):
 * - `/console/…` → `operator-angular/browser/` (the Angular console; unknown paths get `index.html`
 *   so deep links work),
 * - `/widget.js` and `/widget/…` → `widget/` (the embeddable widget and its lazily loaded chunks),
 * - `/demo` → `widget/demo/index.html` (an ordinary company page embedding the widget),
 * - `/` → redirect to `/demo`.
 * A client that was not built answers 503 with one line saying how to build it.
 */
export function mountStaticClients(app: INestApplication, staticDir: string): void {
  const consoleDir = path.join(staticDir, 'operator-angular', 'browser');
  const widgetDir = path.join(staticDir, 'widget');
  const notBuilt = (what: string, dir: string) => (_req: Request, res: Response, next: NextFunction) => {
    if (existsSync(dir)) return next();
    res.status(503).type('text/plain').send(`The ${what} is not built: run "npm run build" (looked in ${dir})\n`);
  };

  app.use('/console', notBuilt('operator console', consoleDir), express.static(consoleDir, { index: 'index.html', maxAge: '1h' }));
  app.use('/console', (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' || path.extname(req.path)) return next();
    res.sendFile(path.join(consoleDir, 'index.html'));
  });

  app.use('/widget.js', notBuilt('widget', widgetDir), (req: Request, res: Response) => {
    res.type('application/javascript').sendFile(path.join(widgetDir, 'widget.js'), { maxAge: '5m' });
  });
  app.use('/widget', notBuilt('widget', widgetDir), express.static(widgetDir, { index: false, maxAge: '1h' }));
  app.use('/demo', notBuilt('widget', widgetDir), (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET') return next();
    res.sendFile(path.join(widgetDir, 'demo', 'index.html'));
  });
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method === 'GET' && req.path === '/') return res.redirect(302, '/demo');
    next();
  });
}
