import { ArgumentsHost, Catch, Logger, OnModuleDestroy } from '@nestjs/common';
import { GqlContextType, GqlExceptionFilter } from '@nestjs/graphql';
import type { Response } from 'express';
import { errorResponseBody } from './format-graphql-error';
import { DomainError } from './domain-error';
import { GroupedWarning } from './grouped-warning';
import { describeUnavailable, isServiceUnavailable } from './service-unavailable';

/** How long (ms) requests failing the same way after a first one are counted into one warning line. */
const FAILURE_REPORT_MS = 1000;

/**
 * What `@Catch` matches errors against (with `instanceof`, which asks `Symbol.hasInstance`): every error
 * {@link isServiceUnavailable} recognises, whatever its class (pg's `DatabaseError`, MikroORM's
 * `DriverException`, knex's plain `Error`), except domain errors, which {@link DomainErrorFilter} hands on.
 */
abstract class UnavailableServiceError {
  static [Symbol.hasInstance](error: unknown): boolean {
    return !(error instanceof DomainError) && isServiceUnavailable(error);
  }
}

/**
 * A resolver that failed because PostgreSQL or Redis is unreachable, restarting or shutting down (a restart
 * or `pg_terminate_backend` ends the statements in flight with SQLSTATE 57P01 `admin_shutdown`) writes one
 * warning line naming the reason ({@link describeUnavailable}), not Nest's error log with the stack trace;
 * the requests failing right after it are counted in one line a second, which names each reason with its
 * count (a PostgreSQL restart: 57P01 for the statements it ends, then ECONNREFUSED while it is down) and
 * carries no one request's context ({@link GroupedWarning}). A resolver's error is handed on unchanged: the
 * client gets `extensions.code` `SERVICE_UNAVAILABLE` with `retryable: true` (`formatGraphQLError`). A plain
 * HTTP route's (`GET /metrics`) is answered here: 503 with `Retry-After: 1` and the same GraphQL-shaped body
 * the API answers while it drains (`lifecycle/graceful-shutdown.service.ts`), instead of Nest's 500 and its
 * error log with the stack.
 */
@Catch(UnavailableServiceError)
export class ServiceUnavailableFilter implements GqlExceptionFilter, OnModuleDestroy {
  private readonly failures = new GroupedWarning(
    new Logger(ServiceUnavailableFilter.name),
    FAILURE_REPORT_MS,
    (reason) => `A request failed: PostgreSQL or Redis unavailable (${reason}); answered SERVICE_UNAVAILABLE`,
    (count) => `${count} more request(s) failed with PostgreSQL or Redis unavailable within ${FAILURE_REPORT_MS / 1000} s`,
  );

  catch(error: Error, host: ArgumentsHost): Error | undefined {
    const reason = describeUnavailable(error);
    this.failures.add(reason, reason);
    if (host.getType<GqlContextType>() === 'graphql') return error;
    const response = host.switchToHttp().getResponse<Response>();
    if (!response.headersSent) {
      response.status(503).set({ 'retry-after': '1', 'content-type': 'application/json' }).send(errorResponseBody(error));
    }
    return undefined;
  }

  onModuleDestroy(): void {
    this.failures.flush();
  }
}
