import { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { storage as requestLogStorage } from 'nestjs-pino/storage';
import { AppModule, AppModuleOptions } from './app.module';
import { AppConfig } from './config/app-config';
import { InputValidationPipe } from './common/input-validation.pipe';
import { asyncContextOnDemand, holdAsyncContextDuringRequests } from './lifecycle/async-context-on-demand';
import { GracefulShutdown } from './lifecycle/graceful-shutdown.service';
import { applyHttpSecurity } from './security/http-security';
import { coalesceServerWrites } from './realtime/coalesce-writes';
import { mountStaticClients } from './static/static-clients';

/**
 * Builds the API application (not yet listening). Input classes that declare class-validator rules are
 * validated by them ({@link InputValidationPipe}); a violation becomes `BAD_USER_INPUT` in `formatGraphQLError`.
 * Node's async hooks are on only while an `AsyncLocalStorage` context is in use ({@link asyncContextOnDemand}).
 */
export async function createApp(config: AppConfig, options: AppModuleOptions = {}): Promise<INestApplication> {
  asyncContextOnDemand();
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, options), {
    bufferLogs: true,
    abortOnError: false,
    bodyParser: false, // applyHttpSecurity registers the one parser, after CORS and helmet
  });
  app.useLogger(app.get(Logger));
  applyHttpSecurity(app, config);
  app.useGlobalPipes(new InputValidationPipe({ transform: true, forbidUnknownValues: false, stopAtFirstError: true }));
  app.use(app.get(GracefulShutdown).httpMiddleware);
  mountStaticClients(app, config.staticDir);
  coalesceServerWrites(app.getHttpServer());
  holdAsyncContextDuringRequests(app.getHttpServer(), [requestLogStorage]);
  return app;
}
