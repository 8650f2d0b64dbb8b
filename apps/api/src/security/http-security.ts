import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { answerRefusedBody } from '../common/refused-body.middleware';
import { AppConfig } from '../config/app-config';
import { isAllowedOrigin } from './origins';

/** Largest request body accepted, in bytes, JSON being the only body read (a 4,000-code-point message is at most 16 KB of UTF-8). */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * HTTP hardening for every response: security headers (helmet, with a strict Content-Security-Policy for
 * our own pages), CORS limited to `ALLOWED_ORIGINS`, the client IP behind `TRUST_PROXY`, and a body limit.
 * `/widget.js` and `/widget/*` are loadable from any site (`Cross-Origin-Resource-Policy: cross-origin`):
 * embedding them is their purpose.
 *
 * Order matters: helmet and CORS run first, then the one request-body parser, then
 * {@link answerRefusedBody} for what that parser refuses, so every answer, a refused body's included (413
 * over `MAX_BODY_BYTES`, 400 for a body that is not JSON, 415 for a charset or `Content-Encoding` it cannot
 * read; `BAD_USER_INPUT` in a GraphQL-shaped body), carries the same CORS and security headers as any other
 * for its origin: without `Access-Control-Allow-Origin` a page of an allowed origin sees only a network error.
 * `createApp` creates the application with Nest's `bodyParser: false`, else Nest would add its own parsers
 * at `init`.
 *
 * The only parser is body-parser's JSON one (`express.json`, `MAX_BODY_BYTES`). URL-encoded bodies are not
 * parsed at all: nothing in Parley reads one. GraphQL takes JSON bodies and GET query strings only (Apollo
 * Server answers a POST without a JSON body 400 "POST body missing, invalid Content-Type, or JSON object has
 * no keys", and its CSRF prevention refuses the simple content types, `application/x-www-form-urlencoded`
 * among them, before that); every other route (`/metrics`, `/healthz`, `/readyz`, the clients' files) is GET.
 * Nest's default URL-encoded parser only read up to 100 KiB (its own limit, not ours) of bodies nobody used,
 * with `extended` (qs) nesting. Such a body is now left unread: GraphQL answers it 400 `BAD_USER_INPUT`
 * like any other content type it does not take (`text/plain`, `multipart/form-data`).
 */
export function applyHttpSecurity(app: NestExpressApplication, config: AppConfig): void {
  app.set('trust proxy', config.trustProxy);
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
  app.useBodyParser('json', { limit: MAX_BODY_BYTES });
  app.use(answerRefusedBody);
}
