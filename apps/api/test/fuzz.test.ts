// Sends thousands of random and mutated GraphQL documents and variables at a real API process:
// no crash, no 5xx, no unhandled rejection, and memory that does not grow with the number of requests.
import { randomUUID } from 'node:crypto';
import { gqlOk } from './support/api-client';
import { ApiChild, startApiChild } from './support/api-process';
import { TEST_DATABASE_URL } from './support/global-setup';
import { ACCEPT_SESSION, CLOSE_SESSION, RATE_SESSION, SEND_MESSAGE, SESSION, SET_TYPING, START_SESSION } from './support/operations';
import { startTestApi, TestApi } from './support/test-app';

/** Mulberry32: a small seeded PRNG, so a failing run can be replayed with FUZZ_SEED. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.FUZZ_SEED ?? 20261129);
const random = prng(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
const int = (max: number) => Math.floor(random() * max);

const CORPUS = [
  START_SESSION,
  SEND_MESSAGE,
  ACCEPT_SESSION,
  CLOSE_SESSION,
  RATE_SESSION,
  SESSION,
  SET_TYPING,
  '{ waitingSessions { id preview visitor { name } } }',
  '{ sessions(first: 5) { nodes { id } pageInfo { endCursor } } }',
  'mutation($input: CreateVisitorInput) { createVisitor(input: $input) { token visitor { id } } }',
  'mutation($e: String!, $p: String!) { loginOperator(email: $e, password: $p) { accessToken } }',
  'mutation($p: Presence!) { setPresence(presence: $p) { id } }',
];
const NOISE = ['{', '}', '(', ')', '$', '!', ':', '...', '@include', '"', '\\u0000', '\u202e', '😀', 'query', 'fragment', '#', ',', '[', ']', '__schema'];
const VALUES: unknown[] = [
  null, 0, -1, 2 ** 53, 1.5, NaN, '', ' ', 'x'.repeat(5000), '😀'.repeat(100), '<script>alert(1)</script>', "'; DROP TABLE message; --",
  '00000000-0000-4000-8000-000000000000', 'not-a-uuid', true, [], [1, 2], {}, { content: 1 }, { sessionId: null }, { __proto__: { admin: true } },
];

function mutate(document: string): string {
  let text = document;
  const edits = 1 + int(4);
  for (let i = 0; i < edits; i++) {
    const at = int(text.length + 1);
    switch (int(4)) {
      case 0: text = text.slice(0, at) + text.slice(at + 1 + int(5)); break; // delete
      case 1: text = text.slice(0, at) + pick(NOISE) + text.slice(at); break; // insert
      case 2: text = text.slice(0, at) + text.slice(at).replace(/\w+/, pick(['id', 'seq', 'status', 'zzz', '__typename'])); break;
      default: text = text.slice(0, at) + text.slice(at, at + 20).split('').reverse().join('') + text.slice(at + 20); break;
    }
  }
  return text;
}

function variables(realSession: string): Record<string, unknown> {
  const value = () => (random() < 0.3 ? realSession : pick(VALUES));
  return {
    id: value(),
    input: random() < 0.5 ? { sessionId: value(), content: value(), clientMessageId: value() } : value(),
    score: value(),
    comment: value(),
    typing: value(),
    resolution: value(),
    e: value(),
    p: value(),
    after: value(),
    first: value(),
  };
}

describe('fuzzing the GraphQL API', () => {
  let seeder: TestApi;
  let api: ApiChild;
  const failures: string[] = [];
  let tokens: Array<string | undefined>;
  let sessionId: string;

  beforeAll(async () => {
    seeder = await startTestApi(); // applies migrations and gives factories
    api = await startApiChild({ DATABASE_URL: TEST_DATABASE_URL, REDIS_PREFIX: `fuzz-${randomUUID().slice(0, 8)}`, JWT_SECRET: seeder.config.jwtSecret, RATE_LIMIT_MESSAGES_PER_MINUTE: '100000', RATE_LIMIT_VISITORS_PER_MINUTE: '100000', RATE_LIMIT_SESSIONS_PER_MINUTE: '100000' });
    const visitor = await gqlOk(api.url, 'mutation { createVisitor(input: { name: "Fuzz" }) { token } }');
    const started = await gqlOk(api.url, START_SESSION, { input: { content: 'fuzz target' } }, visitor.createVisitor.token);
    sessionId = started.startSession.id;
    tokens = [undefined, visitor.createVisitor.token, 'garbage.token.here', `Bearer ${'a'.repeat(3000)}`];
  });
  afterAll(async () => {
    await api?.stop();
    await seeder?.close();
  });

  async function fire(count: number): Promise<void> {
    let sent = 0;
    const worker = async () => {
      while (sent < count) {
        sent++;
        const base = pick(CORPUS);
        const query = random() < 0.8 ? mutate(base) : base;
        const body = random() < 0.05 ? pick(['not json', '{"query": 1}', '[]', '{"query":"{__typename}","variables":"x"}']) : JSON.stringify({ query, variables: variables(sessionId) });
        const token = pick(tokens);
        try {
          const response = await fetch(`${api.url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...(token ? { authorization: token.startsWith('Bearer') ? token : `Bearer ${token}` } : {}) },
            body,
          });
          const text = await response.text();
          if (response.status >= 500) failures.push(`${response.status} for ${body.slice(0, 300)}: ${text.slice(0, 300)}`);
        } catch (error) {
          failures.push(`request failed (crash?) for ${body.slice(0, 300)}: ${(error as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
  }

  it(`survives thousands of random documents (seed ${SEED}) without a 5xx, a crash or growing memory`, async () => {
    const rss: number[] = [];
    for (let round = 0; round < 8; round++) {
      await fire(1000);
      rss.push(api.rssBytes());
    }
    process.stdout.write(`RSS per 1,000 requests (MB): ${rss.map((b) => (b / 2 ** 20).toFixed(1)).join(' ')}\n`);
    // RSS saw-tooths with garbage collection: compare the floors of two later windows of 3,000 requests.
    const warm = Math.min(...rss.slice(2, 5));
    const after = Math.min(...rss.slice(5, 8));

    expect(failures).toEqual([]);
    expect(api.child.exitCode).toBeNull();
    expect(api.output()).not.toMatch(/unhandledRejection|UnhandledPromiseRejection|uncaughtException|FATAL/i);
    // 3,000 more requests must not leave their memory behind (a leak of 10 KB each would show 30 MB).
    expect(after - warm).toBeLessThan(30 * 1024 * 1024);
    const still = await fetch(`${api.url}/readyz`);
    expect(still.status).toBe(200);
  }, 180_000); // 8,000 requests: a volume, not a speed, so a loaded machine gets time
});
