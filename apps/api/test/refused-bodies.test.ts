// Request bodies the parser refuses, before GraphQL runs, sent to a real API process from a page of an allowed
// origin: each is answered with its 4xx and a GraphQL-shaped body (BAD_USER_INPUT) that carries the same
// CORS and security headers as any other answer (else the page reads only a network error), and writes one
// warning line, without a stack and without the body's text. URL-encoded bodies are not read at all.
import { connect } from 'node:net';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { ApiChild, startApiChild } from './support/api-process';
import { TEST_DATABASE_URL } from './support/global-setup';
import { eventually } from './support/wait-for';
import { MAX_BODY_BYTES } from '../src/security/http-security';

const ALLOWED = 'https://shop.example.com';
const DISALLOWED = 'https://evil.example.net';

/** Headers that belong to one answer (its body, its connection), not to the API's policy for an origin. */
const PER_ANSWER = new Set(['content-length', 'content-type', 'etag', 'date', 'connection', 'keep-alive', 'transfer-encoding', 'accept-encoding']);

/** The headers of `response` that every answer to the same origin must share: CORS and helmet's. */
function policyHeaders(response: Response): Record<string, string> {
  return Object.fromEntries([...response.headers].filter(([name]) => !PER_ANSWER.has(name)));
}

/** The lines of pino's JSON `output`. */
function jsonLines(output: string): string[] {
  return output.split('\n').filter((line) => line.startsWith('{'));
}

/** Lines at error level (50) or above, and any line carrying a stack trace. */
function errorLines(lines: string[]): string[] {
  return lines.filter((line) => /"level":[56]\d/.test(line) || line.includes('"stack"') || /\\n\s+at /.test(line));
}

const refusal = (message: string | RegExp) => ({
  errors: [{ message: typeof message === 'string' ? message : expect.stringMatching(message), extensions: { code: 'BAD_USER_INPUT' } }],
});

describe('request bodies the parser refuses', () => {
  let api: ApiChild;

  beforeAll(async () => {
    api = await startApiChild({ DATABASE_URL: TEST_DATABASE_URL, REDIS_PREFIX: `refused-bodies-${randomUUID().slice(0, 8)}`, ALLOWED_ORIGINS: ALLOWED });
  });
  afterAll(async () => {
    await api?.stop();
  });

  const post = (body: string | Uint8Array, headers: Record<string, string>, origin = ALLOWED) =>
    fetch(`${api.url}/graphql`, { method: 'POST', headers: { origin, 'content-type': 'application/json', ...headers }, body });

  /** The lines `api` writes from now on, once the first has come and nothing more follows within 200 ms. */
  async function linesFrom(mark: number): Promise<string[]> {
    const lines = () => jsonLines(api.output().slice(mark));
    await eventually(() => lines().length > 0, 'a log line');
    await new Promise((resolve) => setTimeout(resolve, 200)); // a second line would follow at once
    return lines();
  }

  /** An ordinary GraphQL answer to `origin`: the headers every refusal must carry too. */
  async function ordinaryHeaders(origin: string): Promise<Record<string, string>> {
    const ok = await post(JSON.stringify({ query: '{ __typename }' }), {}, origin);
    expect(ok.status).toBe(200);
    return policyHeaders(ok);
  }

  const overLimit = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(MAX_BODY_BYTES) } });

  it.each([
    ['JSON over MAX_BODY_BYTES', overLimit, {}, 413, `The request body must be at most ${MAX_BODY_BYTES} bytes`, `over the limit of ${MAX_BODY_BYTES} bytes (413)`],
    ['JSON over MAX_BODY_BYTES once inflated (gzip)', gzipSync(overLimit), { 'content-encoding': 'gzip' }, 413, `The request body must be at most ${MAX_BODY_BYTES} bytes`, `over the limit of ${MAX_BODY_BYTES} bytes (413)`],
    ['a truncated JSON body', '{"query":', {}, 400, 'The request body is not valid JSON: Unexpected end of JSON input', 'not valid JSON (400)'],
    ['a body that is not JSON at all', 'hunter2-secret', {}, 400, /^The request body is not valid JSON: Unexpected token 'h', "hunter2-se/, 'not valid JSON (400)'],
    ['a charset other than UTF-8', '{"query":"{ __typename }"}', { 'content-type': 'application/json; charset=latin1' }, 415, 'The request body\'s charset "latin1" is not supported; send UTF-8', 'its charset is not supported (415)'],
    ['an unknown Content-Encoding', '{"query":"{ __typename }"}', { 'content-encoding': 'bogus' }, 415, /^The request body's Content-Encoding "bogus" is not supported/, 'its Content-Encoding is not supported (415)'],
    ['a body its Content-Encoding does not decode', '{"query":"{ __typename }"}', { 'content-encoding': 'gzip' }, 400, /^The request body could not be decoded as its Content-Encoding says: /, 'not decodable as its Content-Encoding says (400)'],
  ])('%s: its status with BAD_USER_INPUT, the headers of any answer to an allowed origin; one warning line', async (_what, body, headers, status, message, logged) => {
    const expectedHeaders = await ordinaryHeaders(ALLOWED);
    const mark = api.output().length;
    const response = await post(body, headers);

    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual(refusal(message));
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(policyHeaders(response)).toEqual(expectedHeaders);
    if (status === 415 && 'content-encoding' in headers) expect(response.headers.get('accept-encoding')).toBe('gzip, deflate, br'); // RFC 9110 §15.5.16

    const lines = await linesFrom(mark);
    expect(lines).toEqual([expect.stringMatching(/^\{"level":40,.*"context":"RefusedBody".*"msg":"Refused a request body.* to POST \/graphql: .*"\}$/)]);
    expect(lines[0]).not.toContain('hunter2'); // the body's text is the client's, never the log's
    expect(lines[0]).toContain(`: ${logged}"}`);
    expect(errorLines(lines)).toEqual([]);
  });

  it('a body the client aborts halfway: one warning line, no stack', async () => {
    const mark = api.output().length;
    const { port } = new URL(api.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(`POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: ${ALLOWED}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"query":`);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the parser is reading the body
    socket.destroy();

    const lines = await linesFrom(mark);
    expect(lines).toEqual([expect.stringMatching(/"level":40,.*"context":"RefusedBody".*: aborted by the client before its body was received \(400\)"\}$/)]);
    expect(errorLines(lines)).toEqual([]);
  });

  it('a page of an origin not in ALLOWED_ORIGINS gets the same refusals with no CORS allowance (helmet’s headers still)', async () => {
    const expectedHeaders = await ordinaryHeaders(DISALLOWED);
    expect(expectedHeaders).not.toHaveProperty('access-control-allow-origin');
    for (const [body, status] of [
      [overLimit, 413],
      ['{"query":', 400],
    ] as const) {
      const response = await post(body, {}, DISALLOWED);
      expect(response.status).toBe(status);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(policyHeaders(response)).toEqual(expectedHeaders);
    }
  });

  describe('a URL-encoded body (nothing in Parley takes one)', () => {
    it('is never parsed: a query sent so, even with the preflight header, is not run (400, BAD_USER_INPUT)', async () => {
      const response = await post('query=%7B__typename%7D', { 'content-type': 'application/x-www-form-urlencoded', 'apollo-require-preflight': '1' });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual(refusal('POST body missing, invalid Content-Type, or JSON object has no keys.'));
      expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    });

    it('is never read, whatever its size: 400 from GraphQL’s CSRF prevention with the usual headers, no refused-body line', async () => {
      const expectedHeaders = await ordinaryHeaders(ALLOWED);
      const mark = api.output().length;
      // Over MAX_BODY_BYTES and over the 100 KiB of Nest's default URL-encoded parser.
      const response = await post(`pad=${'x'.repeat(200 * 1024)}`, { 'content-type': 'application/x-www-form-urlencoded' });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual(refusal(/^This operation has been blocked as a potential Cross-Site Request Forgery \(CSRF\)/));
      expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(policyHeaders(response)).toEqual(expectedHeaders);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(jsonLines(api.output().slice(mark))).toEqual([]);
    });
  });
});
