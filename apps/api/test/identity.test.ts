import { errorCode, gql, gqlOk } from './support/api-client';
import { START_SESSION } from './support/operations';
import { identitySignature } from '../src/visitors/visitor-identity';
import { startTestApi, TestApi } from './support/test-app';

const SECRET = 'the-shop-signs-with-this-secret-0123456789';
const CREATE = `mutation($input: CreateVisitorInput) {
  createVisitor(input: $input) { token visitor { id name email verified externalUserId } }
}`;

function signed(fields: { userId: string; email?: string; name?: string }, issuedAt = Math.floor(Date.now() / 1000), secret = SECRET) {
  return { ...fields, issuedAt, signature: identitySignature({ ...fields, issuedAt }, secret) };
}

describe('visitor identity verification', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi({ IDENTITY_SECRET: SECRET, IDENTITY_MAX_AGE_SECONDS: '300' });
  });
  afterAll(() => api.close());

  it('makes a signed user a verified visitor who resumes the same chats on another device', async () => {
    const laptop = await gqlOk(api.httpUrl, CREATE, { input: { identity: signed({ userId: 'user-7', email: 'Ada@Example.com', name: 'Ada' }) } });
    expect(laptop.createVisitor.visitor).toMatchObject({ verified: true, externalUserId: 'user-7', name: 'Ada', email: 'ada@example.com' });
    const session = await gqlOk(api.httpUrl, START_SESSION, { input: { content: 'from my laptop' } }, laptop.createVisitor.token);

    const phone = await gqlOk(api.httpUrl, CREATE, { input: { identity: signed({ userId: 'user-7', name: 'Ada L.' }) } });
    expect(phone.createVisitor.visitor).toMatchObject({ id: laptop.createVisitor.visitor.id, name: 'Ada L.', email: 'ada@example.com' });
    const resumed = await gqlOk(api.httpUrl, START_SESSION, {}, phone.createVisitor.token);
    expect(resumed.startSession.id).toBe(session.startSession.id);
  });

  it('never lets an unverified visitor claim a verified identity', async () => {
    const real = await gqlOk(api.httpUrl, CREATE, { input: { identity: signed({ userId: 'user-8', email: 'bob@example.com', name: 'Bob' }) } });
    await gqlOk(api.httpUrl, START_SESSION, { input: { content: 'private' } }, real.createVisitor.token);

    // Same name and e-mail, no signature: a separate, unverified guest with no access to Bob's chats.
    const impostor = await gqlOk(api.httpUrl, CREATE, { input: { name: 'Bob', email: 'bob@example.com' } });
    expect(impostor.createVisitor.visitor).toMatchObject({ verified: false, externalUserId: null });
    expect(impostor.createVisitor.visitor.id).not.toBe(real.createVisitor.visitor.id);
    const theirs = await gqlOk(api.httpUrl, '{ mySessions { nodes { id } } }', {}, impostor.createVisitor.token);
    expect(theirs.mySessions.nodes).toEqual([]);

    // A forged, altered or re-signed-with-another-key identity is refused.
    const forged = { ...signed({ userId: 'user-8', email: 'bob@example.com' }), userId: 'user-9' };
    expect(errorCode(await gql(api.httpUrl, CREATE, { input: { identity: forged } }))).toBe('UNAUTHENTICATED');
    const wrongKey = signed({ userId: 'user-8' }, undefined, 'an-attackers-own-secret-0123456789abcdef');
    expect(errorCode(await gql(api.httpUrl, CREATE, { input: { identity: wrongKey } }))).toBe('UNAUTHENTICATED');
  });

  it('accepts a signature only within the validity window', async () => {
    const stale = signed({ userId: 'user-10' }, Math.floor(Date.now() / 1000) - 301);
    const result = await gql(api.httpUrl, CREATE, { input: { identity: stale } });
    expect(errorCode(result)).toBe('UNAUTHENTICATED');
    expect(result.errors![0].message).toMatch(/at most 300 s/);
    const future = signed({ userId: 'user-10' }, Math.floor(Date.now() / 1000) + 3600);
    expect(errorCode(await gql(api.httpUrl, CREATE, { input: { identity: future } }))).toBe('UNAUTHENTICATED');
  });

  it('names the nested field once in its refusals', async () => {
    const upper = { ...signed({ userId: 'user-9' }), signature: 'A'.repeat(64) };
    const badSignature = await gql(api.httpUrl, CREATE, { input: { identity: upper } });
    expect(badSignature.errors?.[0]).toMatchObject({ message: 'identity.signature must be 64 lower-case hex characters', extensions: { code: 'BAD_USER_INPUT' } });
    const badEmail = await gql(api.httpUrl, CREATE, { input: { identity: signed({ userId: 'user-9', email: 'nope' }) } });
    expect(badEmail.errors?.[0]).toMatchObject({ message: 'identity.email must be an e-mail address', extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('refuses identities where verification is not configured', async () => {
    const plain = await startTestApi();
    try {
      const result = await gql(plain.httpUrl, CREATE, { input: { identity: signed({ userId: 'user-11' }) } });
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
    } finally {
      await plain.close();
    }
  });
});
