import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { RequestError } from './domain-error';
import { errorResponseBody } from './format-graphql-error';

/** What body-parser (through raw-body) gives `next` for a body over its parser's `limit`. */
interface BodyTooLarge {
  type: 'entity.too.large';
  /** The parser's limit, in bytes. */
  limit: number;
  /** The body's length as its `Content-Length` said, in bytes, or as read until the limit was passed. */
  length?: number;
}

/**
 * What `@Catch` matches errors against (with `instanceof`, which asks `Symbol.hasInstance`): body-parser's
 * error for a body over its limit, whatever parser raised it (the JSON one, with `MAX_BODY_BYTES`, or
 * Nest's default URL-encoded one), told by its documented `type`, `entity.too.large`.
 */
abstract class BodyTooLargeError {
  static [Symbol.hasInstance](error: unknown): boolean {
    return (error as Partial<BodyTooLarge> | null)?.type === 'entity.too.large';
  }
}

/**
 * A request body over its parser's limit is answered 413 Content Too Large (RFC 9110 §15.5.14) with a
 * GraphQL-shaped body ({@link errorResponseBody}): `extensions.code` `BAD_USER_INPUT` and a message stating
 * the limit in bytes, e.g. `The request body must be at most 65536 bytes`. It is the client's request, not a
 * fault: one warning line without a stack, instead of Nest's error log with body-parser's stack trace and its
 * own `{ statusCode, message }` body without a code. (The request log of pino-http never sees these
 * requests: the parsers run before it.)
 */
@Catch(BodyTooLargeError)
export class BodyTooLargeFilter implements ExceptionFilter<BodyTooLarge> {
  private readonly logger = new Logger(BodyTooLargeFilter.name);

  catch(error: BodyTooLarge, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const size = error.length === undefined ? 'a request body' : `a request body of ${error.length} bytes`;
    this.logger.warn(`Refused ${size} to ${request.method} ${request.path}: over the limit of ${error.limit} bytes (413)`);
    if (response.headersSent) return;
    const refusal = RequestError.badInput(`The request body must be at most ${error.limit} bytes`);
    response.status(413).set('content-type', 'application/json').send(errorResponseBody(refusal));
  }
}
