import 'reflect-metadata';
import { DynamicModule, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger, LoggerModule } from 'nestjs-pino';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { prepareDatabase, waitingForMigrations } from './database/prepare-database';
import { exitGracefullyOnSignals } from './lifecycle/exit-on-signals';
import { NotificationJobsModule } from './notifications/notification-jobs.module';
import { configuredTargets, NOTIFICATIONS_QUEUE } from './notifications/notification-jobs';
import { assertRedisReachable, describeStartupError } from './startup-errors';

/** What a worker process runs: the notification job processors, no HTTP, no GraphQL. */
@Module({})
class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({ pinoHttp: { level: config.logLevel } }),
        DatabaseModule.forRoot(config.databaseUrl),
        NotificationJobsModule.forRoot({ ...config, runWorkers: true }),
      ],
    };
  }
}

/**
 * `npm run worker`: processes notification jobs for API processes started with `RUN_WORKERS=false` (or
 * beside them, to add capacity). Same variables as the API. Stops cleanly on SIGTERM/SIGINT: the job in
 * hand finishes first; a worker killed mid-job has its job taken up again after `NOTIFY_JOB_LOCK_SECONDS`.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  if (configuredTargets(config).length === 0) {
    throw new ConfigError([
      'no notification channel is configured for the worker: set TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_IDS, or SMTP_URL and NOTIFY_EMAILS',
    ]);
  }
  const applied = await prepareDatabase(config.databaseUrl, waitingForMigrations);
  await assertRedisReachable(config.redisUrl);
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(PinoLogger));
  exitGracefullyOnSignals(app, { drain: false });
  await app.init();
  const logger = new Logger('Parley');
  if (applied.length) logger.log(`Applied migrations: ${applied.join(', ')}`);
  logger.log(`Worker processing notification jobs (queue ${config.redisPrefix}:bull:${NOTIFICATIONS_QUEUE})`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : describeStartupError(error)}\n`);
  process.exit(1);
});
