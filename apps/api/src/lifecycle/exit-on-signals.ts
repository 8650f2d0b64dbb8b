import { INestApplicationContext, Logger } from '@nestjs/common';
import { GracefulShutdown, SHUTDOWN_GRACE_MS } from './graceful-shutdown.service';

/** Signals that stop the API: `SIGTERM` (orchestrators, `docker stop`, `kill`) and `SIGINT` (Ctrl-C). */
const SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * On the first `SIGTERM` or `SIGINT`: {@link GracefulShutdown.drain} when the app serves clients (the API;
 * a worker has none), then `app.close()` (job workers finish the job in hand; PostgreSQL, Redis, queues
 * close), then exit code 0. A second signal, or a shutdown still running
 * {@link SHUTDOWN_GRACE_MS} + 10 s later, exits at once with code 1. Replaces Nest's
 * `enableShutdownHooks()`, which closes sockets before in-flight mutations finish and ends the process by
 * re-raising the signal instead of exiting 0.
 */
export function exitGracefullyOnSignals(app: INestApplicationContext, options: { drain: boolean }): void {
  const logger = new Logger('Shutdown');
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    setTimeout(() => {
      logger.error('Shutdown did not finish in time: exiting now');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS + 10_000).unref();
    logger.log(`${signal} received: finishing in-flight work`);
    (options.drain ? app.get(GracefulShutdown).drain() : Promise.resolve())
      .then(() => app.close())
      .then(
        () => {
          logger.log('Stopped');
          process.exit(0);
        },
        (error: Error) => {
          logger.error(`Shutdown failed: ${error.message}`);
          process.exit(1);
        },
      );
  };
  for (const signal of SIGNALS) process.on(signal, stop);
}
