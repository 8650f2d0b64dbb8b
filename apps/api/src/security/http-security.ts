import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { BodyTooLargeFilter } from '../common/body-too-large.filter';
import { AppConfig } from '../config/app-config';
import { isAllowedOrigin } from './origins';

/** Largest JSON request body accepted, in bytes (a 4,000-code-point message is at most 16 KB of UTF-8). */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * HTTP hardening for every response: security headers (helmet, with a strict Content-Security-Policy for
 * our own pages), CORS limited to `ALLOWED_ORIGINS`, the client IP behind `TRUST_PROXY`, and a body limit
 * (larger bodies get 413 with `BAD_USER_INPUT`, {@link BodyTooLargeFilter}). `/widget.js` and `/widget/*`
 * are loadable from any site (`Cross-Origin-Resource-Policy: cross-origin`): embedding them is their purpose.
 */
export function applyHttpSecurity(app: NestExpressApplication, config: AppConfig): void {
  app.set('trust proxy', config.trustProxy);
  app.useBodyParser('json', { limit: MAX_BODY_BYTES });
  app.useGlobalFilters(new BodyTooLargeFilter());
  const contentSecurityPolicy = {
    directives: {
      'default-src': ["'self'"],
      'connect-src': ["'self'", 'ws:', 'wss:'],
      'img-src': ["'self'", 'data:'],
      'style-src': ["'self'", "'unsafe-inline'"],
      'script-src': ["'self'"],
      // Not forced: a deployment served over plain http (a LAN, a laptop) must keep working.
      'upgrade-insecure-requests': null,
    },
  };
  const strict = helmet({ contentSecurityPolicy });
  const ide = helmet({ contentSecurityPolicy: false }); // GraphiQL loads its scripts from a CDN
  const embeddable = helmet({ contentSecurityPolicy, crossOriginResourcePolicy: { policy: 'cross-origin' } });
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.path === '/widget.js' || req.path.startsWith('/widget/')) return embeddable(req, res, next);
    if (config.graphqlIde && req.method === 'GET' && req.path === '/graphql') return ide(req, res, next);
    return strict(req, res, next);
  });
  app.enableCors({
    origin: (origin, callback) => callback(null, isAllowedOrigin(origin, config.allowedOrigins)),
    methods: ['GET', 'POST'],
    allowedHeaders: ['content-type', 'authorization', 'apollo-require-preflight'],
    maxAge: 600,
  });
}
