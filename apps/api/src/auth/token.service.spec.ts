import { JwtService } from '@nestjs/jwt';
import { loadConfig } from '../config/app-config';
import { TokenService } from './token.service';

/** Account ids are UUIDs (a token for anything else is refused). */
const [V1, O1, V2, V3] = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222', '33333333-3333-4333-8333-333333333333', '44444444-4444-4444-8444-444444444444'];

describe('TokenService', () => {
  const config = loadConfig({ JWT_SECRET: 's'.repeat(40), OPERATOR_TOKEN_TTL_SECONDS: '60' });
  const jwt = new JwtService({ secret: config.jwtSecret, signOptions: { algorithm: 'HS256' } });
  const tokens = new TokenService(jwt, config);

  it('round-trips visitor and operator principals', () => {
    expect(tokens.verify(tokens.signVisitor(V1))).toMatchObject({ ok: true, principal: { kind: 'visitor', visitorId: V1 } });
    expect(tokens.verify(tokens.signOperator(O1))).toMatchObject({ ok: true, principal: { kind: 'operator', operatorId: O1 } });
  });

  it('refuses a token signed with another secret, an unsigned one and one of unknown type', () => {
    const other = new JwtService({ secret: 'x'.repeat(40) }).sign({ sub: O1, typ: 'o' });
    expect(tokens.verify(other)).toEqual({ ok: false, reason: 'Malformed or invalid token' });
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"sub":"o1","typ":"o"}').toString('base64url')}.`;
    expect(tokens.verify(none).ok).toBe(false);
    expect(tokens.verify(jwt.sign({ sub: O1, typ: 'admin' })).ok).toBe(false);
  });

  it('refuses a well-signed token whose subject is not an account id (UUID)', () => {
    expect(tokens.verify(jwt.sign({ sub: 'x', typ: 'o' }, { expiresIn: 60 }))).toEqual({ ok: false, reason: 'Malformed or invalid token' });
    expect(tokens.verify(jwt.sign({ sub: "1' OR '1'='1", typ: 'v' }, { expiresIn: 60 })).ok).toBe(false);
    expect(tokens.verify(jwt.sign({ sub: O1, typ: 'o' }, { expiresIn: 60 })).ok).toBe(true);
  });

  it('remembers a verified token, yet refuses it once it has expired', () => {
    const token = jwt.sign({ sub: V2, typ: 'v' }, { expiresIn: 60 });
    expect(tokens.verify(token).ok).toBe(true);
    expect(tokens.verify(token).ok).toBe(true);
    const later = jest.spyOn(Date, 'now').mockReturnValue(Date.now() + 61_000);
    try {
      expect(tokens.verify(token)).toEqual({ ok: false, reason: 'Token expired' });
    } finally {
      later.mockRestore();
    }
  });

  it('reports expiry distinctly', () => {
    expect(tokens.verify(jwt.sign({ sub: O1, typ: 'o' }, { expiresIn: -1 }))).toEqual({ ok: false, reason: 'Token expired' });
  });

  it('reads a Bearer header or a bare token, and treats no token as anonymous', () => {
    const token = tokens.signVisitor(V1);
    expect(tokens.contextFromToken(`Bearer ${token}`).principal).toMatchObject({ visitorId: V1 });
    expect(tokens.contextFromToken(token).principal).toMatchObject({ visitorId: V1 });
    expect(tokens.contextFromToken(undefined)).toEqual({});
    expect(tokens.contextFromToken({ not: 'a string' })).toEqual({ authError: 'Malformed or invalid token' });
  });

  it('checks a token without remembering it when asked (a WebSocket keeps the principal instead)', () => {
    const token = jwt.sign({ sub: V3, typ: 'v' }, { expiresIn: 60 });
    const verify = jest.spyOn(jwt, 'verify');
    try {
      expect(tokens.contextFromToken(token, false).principal).toMatchObject({ visitorId: V3 });
      expect(tokens.contextFromToken(token, false).principal).toMatchObject({ visitorId: V3 });
      expect(verify).toHaveBeenCalledTimes(2); // nothing cached
      tokens.contextFromToken(token);
      tokens.contextFromToken(token);
      expect(verify).toHaveBeenCalledTimes(3); // cached by the first remembering call
    } finally {
      verify.mockRestore();
    }
  });

  it('gives a principal verified earlier until its token expires', () => {
    const principal = { kind: 'operator' as const, operatorId: 'o2', expiresAt: Math.floor(Date.now() / 1000) + 60 };
    expect(tokens.contextFromPrincipal(principal)).toEqual({ principal });
    expect(tokens.contextFromPrincipal(undefined)).toEqual({});
    const later = jest.spyOn(Date, 'now').mockReturnValue(Date.now() + 61_000);
    try {
      expect(tokens.contextFromPrincipal(principal)).toEqual({ authError: 'Token expired' });
    } finally {
      later.mockRestore();
    }
  });
});
