import { ServerError } from '@apollo/client/errors';
import { ErrorCode } from '@parley/shared';
import { toRequestError } from './request-error';

describe('toRequestError', () => {
  /** What Apollo throws for an HTTP answer that is not a GraphQL result (jsdom has no `Response`: its status is what is read). */
  const answered = (status: number, bodyText: string) =>
    new ServerError(`Response not successful: Received status code ${status}`, { response: { status } as Response, bodyText });

  it('takes the code of a GraphQL body, whatever the status', () => {
    const failure = toRequestError(answered(503, JSON.stringify({ errors: [{ message: 'Unavailable', extensions: { code: 'SERVICE_UNAVAILABLE' } }] })));
    expect(failure).toMatchObject({ code: 'SERVICE_UNAVAILABLE', network: false, message: 'Unavailable' });
  });

  it("reads a proxy's 5xx without a GraphQL body as the API not answering", () => {
    expect(toRequestError(answered(502, '<html>Bad Gateway</html>'))).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', network: true });
  });

  it("reads a proxy's 429 without a GraphQL body as a rate limit (RFC 6585 §4)", () => {
    expect(toRequestError(answered(429, '<html>Too Many Requests</html>'))).toMatchObject({ code: ErrorCode.RATE_LIMITED, network: false });
  });

  it("leaves any other 4xx without a GraphQL body with no code (a proxy's 413: the same request gets the same answer)", () => {
    expect(toRequestError(answered(413, '<html>Request Entity Too Large</html>'))).toMatchObject({ code: undefined, network: false });
  });
});
