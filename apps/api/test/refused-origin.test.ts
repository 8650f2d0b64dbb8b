import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { ORIGIN_REFUSED_REASON } from '@parley/shared';
import { givenVisitor, startTestApi, TestApi } from './support/test-app';

/**
 * The close a socket gets for a page origin not in ALLOWED_ORIGINS, told apart from a refused token: both
 * 4403, the origin's with its own reason, which the widget reads to show "not available on this site"
 * instead of dropping the visitor and trying again.
 */
describe('a WebSocket refused for its page origin', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi({ ALLOWED_ORIGINS: 'https://shop.example.com' });
  });
  afterAll(() => api.close());

  /** The close code and reason of the first connection attempt from `origin` with `authToken`. */
  function closeOf(origin: string, authToken?: string): Promise<{ code: number; reason: string }> {
    class OriginWebSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers: { origin } });
      }
    }
    const client = createClient({ url: api.wsUrl, webSocketImpl: OriginWebSocket, connectionParams: authToken ? { authToken } : {}, retryAttempts: 0, lazy: true });
    return new Promise((resolve, reject) => {
      client.subscribe(
        { query: '{ __typename }' },
        {
          next: () => undefined,
          error: (event) => resolve({ code: (event as { code: number }).code, reason: (event as { reason: string }).reason }),
          complete: () => reject(new Error('the socket was accepted')),
        },
      );
    }).finally(() => void client.dispose()) as Promise<{ code: number; reason: string }>;
  }

  it('closes with 4403 and ORIGIN_REFUSED_REASON, with or without a valid token', async () => {
    expect(ORIGIN_REFUSED_REASON).toBe('Origin not allowed (ALLOWED_ORIGINS)');
    expect(await closeOf('https://evil.example.net')).toEqual({ code: 4403, reason: ORIGIN_REFUSED_REASON });
    const visitor = await givenVisitor(api);
    expect(await closeOf('https://evil.example.net', visitor.token)).toEqual({ code: 4403, reason: ORIGIN_REFUSED_REASON });
  });

  it('a refused token from an allowed origin gets 4403 with another reason', async () => {
    const refused = await closeOf('https://shop.example.com', 'not.a.jwt');
    expect(refused.code).toBe(4403);
    expect(refused.reason).not.toBe(ORIGIN_REFUSED_REASON);
  });
});
