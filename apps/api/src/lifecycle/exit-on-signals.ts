import { INestApplicationContext, Logger } from '@nestjs/common';
import { GracefulShutdown, SHUTDOWN_GRACE_MS } from './graceful-shutdown.service';

/** Signals that stop the API: `SIGTERM` (orchestrators, `docker stop`, `kill`) and `SIGINT` (Ctrl-C). */
const SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * A repeat of the first signal within this many ms is the same signal delivered twice, not a person
 * asking to exit now: under `npm start`, Ctrl-C reaches the API from the terminal (its whole process
 * group) and again from npm, which forwards it to its child (with bash as npm's script shell the child is
 * the API itself). Two presses of Ctrl-C are further apart than this.
 */
const DUPLICATE_SIGNAL_MS = 500;

/**
 * On the first `SIGTERM` or `SIGINT`: {@link GracefulShutdown.drain} when the app serves clients (the API;
 * a worker has none), then `app.close()` (job workers finish the job in hand; PostgreSQL, Redis, queues
 * close), then exit code 0. A second signal (other than the first one repeated within
 * {@link DUPLICATE_SIGNAL_MS}), or a shutdown still running {@link SHUTDOWN_GRACE_MS} + 10 s later, exits at
 * once with code 1. Replaces Nest's
 * `enableShutdownHooks()`, which closes sockets before in-flight mutations finish and ends the process by
 * re-raising the signal instead of exiting 0.
 */
export function exitGracefullyOnSignals(app: INestApplicationContext, options: { drain: boolean }): void {
  const logger = new Logger('Shutdown');
  let first: { signal: NodeJS.Signals; at: number } | undefined;
  const stop = (signal: NodeJS.Signals) => {
    if (first) {
      if (signal === first.signal && Date.now() - first.at < DUPLICATE_SIGNAL_MS) return; // one signal, delivered twice
      logger.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    first = { signal, at: Date.now() };
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
