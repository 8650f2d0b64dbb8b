// First: a V8 heap flag that must be set before the application allocates (see the module).
import './lifecycle/no-pretenuring';
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config/app-config';
import { prepareDatabase, waitingForMigrations } from './database/prepare-database';
import { exitGracefullyOnSignals } from './lifecycle/exit-on-signals';
import { seedDemoOperator } from './operators/seed-demo-operator';
import { assertRedisReachable, describeStartupError } from './startup-errors';

/**
 * `npm start`: validate config, prepare the database, seed a demo operator when none exists, serve.
 * `SIGTERM`/`SIGINT` shut down gracefully and exit 0 (see `exitGracefullyOnSignals`).
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const applied = await prepareDatabase(config.databaseUrl, waitingForMigrations);
  await assertRedisReachable(config.redisUrl);
  const app = await createApp(config);
  const logger = new Logger('Parley');
  if (applied.length) logger.log(`Applied migrations: ${applied.join(', ')}`);
  const demo = await seedDemoOperator(app);
  await app.listen(config.port, config.host);
  exitGracefullyOnSignals(app, { drain: true });
  // Where the socket is bound (HOST, PORT), which PUBLIC_URL (how people reach it, maybe through a proxy) need not show.
  const bound = (app.getHttpServer() as Server).address() as AddressInfo;
  logger.log(
    `Parley API listening on ${bound.address} port ${bound.port}; public URL ${config.publicUrl}/graphql (WebSocket: same URL, graphql-transport-ws)`,
  );
  if (demo) {
    // Printed once, when the database had no operator: the only way to learn this random password.
    process.stdout.write(`\nDemo operator created: e-mail ${demo.email}  password ${demo.password}\n\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : describeStartupError(error)}\n`);
  process.exit(1);
});
