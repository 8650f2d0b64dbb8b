// The line `npm start` prints once the API serves: the address it listens on (HOST, PORT) and, apart
// from it, PUBLIC_URL, which behind a proxy names another host and port.
import { randomUUID } from 'node:crypto';
import { ApiChild, startApiChild } from './support/api-process';
import { TEST_DATABASE_URL } from './support/global-setup';

describe('the start-up line', () => {
  let api: ApiChild | undefined;
  afterAll(() => api?.stop());

  it('names the address and port the API listens on, and PUBLIC_URL separately', async () => {
    api = await startApiChild({
      DATABASE_URL: TEST_DATABASE_URL,
      REDIS_PREFIX: `start-up-${randomUUID().slice(0, 8)}`,
      LOG_LEVEL: 'info',
      PUBLIC_URL: 'https://chat.example.test:8443',
    });
    const port = new URL(api.url).port;
    const line = api.output().split('\n').find((l) => l.includes('Parley API'));
    expect(line).toContain(`Parley API listening on 127.0.0.1 port ${port}; public URL https://chat.example.test:8443/graphql`);
  });
});
