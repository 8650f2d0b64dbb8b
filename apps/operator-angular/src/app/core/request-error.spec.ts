import { ServerError } from '@apollo/client/errors';
import { ErrorCode } from '@parley/shared';
import { NO_ANSWER, NO_CONNECTION, toRequestError } from './request-error';

describe('toRequestError', () => {
  /** What Apollo throws for an HTTP answer that is not a GraphQL result (jsdom has no `Response`: its status is what is read). */
  const answered = (status: number, bodyText: string) =>
    new ServerError(`Response not successful: Received status code ${status}`, { response: { status } as Response, bodyText });

  it('takes the code of a GraphQL body, whatever the status', () => {
    const failure = toRequestError(answered(503, JSON.stringify({ errors: [{ message: 'Unavailable', extensions: { code: 'SERVICE_UNAVAILABLE' } }] })));
    expect(failure).toMatchObject({ code: 'SERVICE_UNAVAILABLE', network: false, message: 'Unavailable' });
  });

  it("reads a proxy's 5xx without a GraphQL body as the API not answering, in words an operator reads", () => {
    const failure = toRequestError(answered(502, '<html>Bad Gateway</html>'));
    expect(failure).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', network: true, message: `${NO_ANSWER} (HTTP 502)` });
    expect(failure.message).not.toContain('Response not successful');
  });

  it("reads no answer at all (what apollo-angular throws for HttpClient's status 0, fetch's TypeError) as no connection, keeping the browser's text as the cause", () => {
    // apollo-angular turns an HttpErrorResponse with status 0 into `new Error(err.message)`.
    const lost = new Error('Http failure response for /graphql: 0 undefined');
    const failure = toRequestError(lost);
    expect(failure).toMatchObject({ code: undefined, network: true, message: NO_CONNECTION });
    expect(failure.cause).toBe(lost);
    expect(failure.retryable).toBe(true);
    expect(toRequestError(new TypeError('Failed to fetch')).message).toBe(NO_CONNECTION);
  });

  it('passes a RequestError through unchanged (its own words, e.g. a timeout)', () => {
    const own = toRequestError(new Error('x'));
    expect(toRequestError(own)).toBe(own);
  });

  it("reads a proxy's 429 without a GraphQL body as a rate limit (RFC 6585 §4)", () => {
    expect(toRequestError(answered(429, '<html>Too Many Requests</html>'))).toMatchObject({ code: ErrorCode.RATE_LIMITED, network: false });
  });

  it("leaves any other 4xx without a GraphQL body with no code (a proxy's 413: the same request gets the same answer)", () => {
    expect(toRequestError(answered(413, '<html>Request Entity Too Large</html>'))).toMatchObject({ code: undefined, network: false });
  });
});
