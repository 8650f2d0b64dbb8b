import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { RequestError } from './domain-error';
import { errorResponseBody } from './format-graphql-error';

/**
 * What body-parser (reading through raw-body, raising through http-errors) gives `next` when it refuses a
 * request body: an `Error` with a suggested `status` and a documented `type` (body-parser's README, "Errors").
 * A body its `Content-Encoding` cannot decode (zlib's own error, e.g. `Z_DATA_ERROR`) comes with status 400
 * and no `type`.
 */
export interface BodyParserError extends Error {
  /** The HTTP status body-parser suggests: 400, 403, 413, 415, or 500 for a fault of the server's own. */
  status?: number;
  /**
   * `entity.too.large`, `entity.parse.failed`, `entity.verify.failed`, `request.aborted`,
   * `request.size.invalid`, `charset.unsupported`, `encoding.unsupported`, `parameters.too.many` (the
   * URL-encoded parser's, which Parley does not use), `stream.encoding.set` or `stream.not.readable` (both 500).
   */
  type?: string;
  /** `entity.too.large`: the parser's limit, in bytes. */
  limit?: number;
  /** `entity.too.large`: the body's length as its `Content-Length` said, or as read until the limit was passed, in bytes. */
  length?: number;
  /** `request.size.invalid`, `request.aborted`: the bytes the `Content-Length` announced and those received. */
  expected?: number;
  received?: number;
  /** `charset.unsupported`: the charset of the `Content-Type`. */
  charset?: string;
  /** `encoding.unsupported`: the `Content-Encoding`. */
  encoding?: string;
  /** zlib's code for a body its `Content-Encoding` cannot decode, e.g. `Z_DATA_ERROR`. */
  code?: string;
}

/**
 * The content codings body-parser 2 decodes (`read.js`: gzip, deflate, br, and zstd where Node's zlib has it,
 * which Node 20 has not), for the `Accept-Encoding` of a 415 (RFC 9110 §15.5.16: an unsupported content
 * coding "ought to" be answered with the codings that would have been accepted).
 */
const ACCEPTED_ENCODINGS = 'gzip, deflate, br';

/** How a refused body is answered: status, the message the client reads, and the reason the log line gives. */
interface Refusal {
  status: number;
  /** For the client (`errors[0].message`); may quote its own body (the JSON syntax error). */
  message: string;
  /** For the log: never the body's text, which may hold a password or a token. */
  reason: string;
  headers?: Record<string, string>;
}

/** The answer to `error` when it is the client's (a 4xx), else `undefined`: a fault of the server's own. */
function refusalOf(error: BodyParserError): Refusal | undefined {
  switch (error.type ?? '') {
    case 'entity.too.large':
      return { status: 413, message: `The request body must be at most ${error.limit} bytes`, reason: `over the limit of ${error.limit} bytes` };
    case 'entity.parse.failed':
      return { status: 400, message: `The request body is not valid JSON: ${error.message}`, reason: 'not valid JSON' };
    case 'charset.unsupported':
      return { status: 415, message: `The request body's charset "${error.charset}" is not supported; send UTF-8`, reason: 'its charset is not supported' };
    case 'encoding.unsupported':
      return {
        status: 415,
        message: `The request body's Content-Encoding "${error.encoding}" is not supported; send it unencoded or as ${ACCEPTED_ENCODINGS}`,
        reason: 'its Content-Encoding is not supported',
        headers: { 'accept-encoding': ACCEPTED_ENCODINGS },
      };
    case 'request.size.invalid':
      return {
        status: 400,
        message: `The request body was ${error.received} bytes long, not the ${error.expected} bytes its Content-Length said`,
        reason: 'its length did not match its Content-Length',
      };
    case 'request.aborted':
      return { status: 400, message: 'The request was aborted before its body was received', reason: 'aborted by the client before its body was received' };
    default: {
      const status = error.status ?? 500;
      if (status < 400 || status >= 500) return undefined;
      if (error.code?.startsWith('Z_')) {
        return { status, message: `The request body could not be decoded as its Content-Encoding says: ${error.message}`, reason: 'not decodable as its Content-Encoding says' };
      }
      return { status, message: `The request body was refused: ${error.message}`, reason: error.type ?? `${status}` };
    }
  }
}

const logger = new Logger('RefusedBody');

/**
 * Express error-handling middleware placed right after the request-body parser (`http-security.ts`), so it
 * answers what that parser refuses and nothing else, before GraphQL runs. The CORS and security headers
 * (helmet) are already set then (their middlewares run before the parser), so a page of an allowed origin
 * can read the answer. A refusal of the client's request is answered with its status and a GraphQL-shaped
 * body ({@link errorResponseBody}, `{ "errors": [{ "message", "extensions": { "code": "BAD_USER_INPUT" } }] }`),
 * and writes one warning line without a stack (it is the client's request, not a fault):
 * - over `MAX_BODY_BYTES` (`entity.too.large`): 413 Content Too Large (RFC 9110 §15.5.14), stating the limit
 *   in bytes: `The request body must be at most 65536 bytes`;
 * - not JSON (`entity.parse.failed`, e.g. `{"query":` or `not json`): 400 with `The request body is not valid
 *   JSON: <the syntax error>`. The GraphQL over HTTP spec (graphql.github.io/graphql-over-http, "Status
 *   Codes", examples "JSON parsing failure", for `application/json` and `application/graphql-response+json`
 *   alike): "Requests that the server cannot interpret SHOULD result in status code 400 (Bad Request)";
 * - a charset body-parser does not read (`charset.unsupported`: any label not starting `utf-`, the alias `utf8`
 *   included; JSON is UTF-8, RFC 8259 §8.1, though body-parser decodes `utf-16le` and the like) or a `Content-Encoding`
 *   body-parser cannot decode (`encoding.unsupported`): 415 Unsupported Media Type (RFC 9110 §15.5.16), the
 *   latter with `Accept-Encoding: gzip, deflate, br`;
 * - a body shorter or longer than its `Content-Length` (`request.size.invalid`), one aborted by the client
 *   (`request.aborted`; nobody may be left to read the answer), a compressed body that does not decode: 400;
 * - any other 4xx body-parser suggests (e.g. `entity.verify.failed`, 403): that status, with its message.
 *
 * Neither the log line nor anything else records the body's text (it may hold a password or a token): the
 * JSON syntax error, which may quote it, goes to the client alone. An error body-parser marks as the
 * server's (`stream.encoding.set`, `stream.not.readable`: something read the body before it) is a fault of
 * ours: 500 with `INTERNAL_SERVER_ERROR` (message hidden) and an error line with its stack.
 */
export function answerRefusedBody(error: BodyParserError, request: Request, response: Response, next: NextFunction): void {
  const refusal = refusalOf(error);
  const target = `${request.method} ${request.path}`;
  if (refusal === undefined) {
    logger.error(`Could not read the request body of ${target}: ${error.type ?? error.message}`, error.stack);
  } else {
    const size = error.type === 'entity.too.large' && error.length !== undefined ? `a request body of ${error.length} bytes` : 'a request body';
    logger.warn(`Refused ${size} to ${target}: ${refusal.reason} (${refusal.status})`);
  }
  if (response.headersSent) {
    next(error); // Express' final handler closes the connection
    return;
  }
  const body = refusal === undefined ? errorResponseBody(error) : errorResponseBody(RequestError.badInput(refusal.message));
  response
    .status(refusal?.status ?? 500)
    .set({ ...refusal?.headers, 'content-type': 'application/json' })
    .send(body);
}
