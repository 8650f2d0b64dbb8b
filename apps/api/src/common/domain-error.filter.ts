import { Catch } from '@nestjs/common';
import { GqlExceptionFilter } from '@nestjs/graphql';
import { DomainError } from './domain-error';

/**
 * Hands domain errors to GraphQL unchanged (`formatGraphQLError` gives them their `extensions.code`)
 * without Nest's exception logging: a refused input or a lost accept race is an answer, not a fault.
 * Unexpected errors are not caught here and are still logged.
 */
@Catch(DomainError)
export class DomainErrorFilter implements GqlExceptionFilter {
  catch(error: DomainError): DomainError {
    return error;
  }
}
