// renewVisitorToken: a still valid guest token is exchanged for a fresh one of the same visitor, its lifetime
// (VISITOR_TOKEN_TTL_SECONDS) counted from now, so the widget can keep a returning visitor's chat past the
// first token's end.
import { JwtService } from '@nestjs/jwt';
import { errorCode, gql, gqlOk } from './support/api-client';
import { SESSION } from './support/operations';
import { givenActiveSession, startTestApi, TestApi } from './support/test-app';

const DAY_S = 24 * 3600;
const RENEW = 'mutation { renewVisitorToken { token visitor { id } } }';

/** The claims of a JWT, read without verifying it. */
function claims(token: string): { sub: string; iat: number; exp: number } {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

describe('renewVisitorToken (real PostgreSQL and Redis)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ VISITOR_TOKEN_TTL_SECONDS: String(30 * DAY_S) });
  });
  afterAll(() => api.close());

  it('gives the visitor of a token 20 days old a token valid 30 days from now, which reads its chat', async () => {
    const { visitor, sessionId } = await givenActiveSession(api, 'still there?');
    const now = Math.floor(Date.now() / 1000);
    const old = api.app.get(JwtService).sign({ sub: visitor.id, typ: 'v', iat: now - 20 * DAY_S }, { expiresIn: 30 * DAY_S });
    expect(claims(old).exp).toBe(now + 10 * DAY_S);

    const { renewVisitorToken } = await gqlOk(api.httpUrl, RENEW, {}, old);
    expect(renewVisitorToken.visitor.id).toBe(visitor.id);
    const renewed = claims(renewVisitorToken.token);
    expect(renewed.sub).toBe(visitor.id);
    expect(renewed.iat).toBeGreaterThanOrEqual(now);
    expect(renewed.exp - renewed.iat).toBe(30 * DAY_S);
    expect((await gql(api.httpUrl, SESSION, { id: sessionId }, renewVisitorToken.token)).errors).toBeUndefined();
  });

  it('refuses a token that has run out (UNAUTHENTICATED): renewal is for tokens still valid', async () => {
    const { visitor } = await givenActiveSession(api, 'hello');
    const expired = api.app.get(JwtService).sign({ sub: visitor.id, typ: 'v' }, { expiresIn: -5 });
    expect(errorCode(await gql(api.httpUrl, RENEW, {}, expired))).toBe('UNAUTHENTICATED');
  });
});
