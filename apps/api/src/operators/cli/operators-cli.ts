import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/postgresql';
import { Command, CommanderError } from 'commander';
import Redis from 'ioredis';
import { OperatorDisabled } from '../../auth/account-status.service';
import { AppConfig, ConfigError, loadConfig } from '../../config/app-config';
import { mikroOrmOptions } from '../../database/mikro-orm.config';
import { prepareDatabase, waitingForMigrations } from '../../database/prepare-database';
import { Topics } from '../../realtime/topics';
import { describeStartupError } from '../../startup-errors';
import { createOperatorAccount, setOperatorDisabled } from '../operator-accounts';
import { OperatorError } from '../operators.errors';

/** Runs `work` with a MikroORM connected to `DATABASE_URL` (migrated first), then closes it. */
async function withDatabase<T>(config: AppConfig, work: (orm: MikroORM) => Promise<T>): Promise<T> {
  await prepareDatabase(config.databaseUrl, waitingForMigrations);
  const orm = await MikroORM.init({ ...mikroOrmOptions(config.databaseUrl), pool: { min: 0, max: 1 } });
  try {
    return await work(orm);
  } finally {
    await orm.close(true);
  }
}

/** Tells every API instance, through Redis, to close the sockets of a disabled operator. */
async function announceDisabled(config: AppConfig, operatorId: string): Promise<void> {
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    const event: OperatorDisabled = { operatorId };
    await redis.publish(new Topics(config.redisPrefix).operatorDisabled(), JSON.stringify(event));
  } finally {
    redis.disconnect();
  }
}

/**
 * Operator accounts from the command line:
 * - `npm run operator:create -- --email E --name N --password P`
 * - `npm run operator:disable -- --email E [--enable]` (every API instance closes the operator's sockets at once)
 * Exit 0 and one line on success; 1 and one clear line on a duplicate or unknown e-mail, a weak password,
 * bad input or an unreachable service; 2 on bad usage.
 */
/** What the command line asked for, for the error line ("Cannot create operator: …"). */
let doing = 'change';

async function main(argv: string[]): Promise<number> {
  const config = loadConfig();
  const program = new Command('operators').exitOverride().configureOutput({ writeErr: (text) => process.stderr.write(text) });
  let run: (() => Promise<void>) | undefined;
  program
    .command('create')
    .description('Create a Parley operator account')
    .requiredOption('--email <email>', 'sign-in e-mail (unique)')
    .requiredOption('--name <name>', 'name shown to visitors')
    .requiredOption('--password <password>', 'at least 10 characters')
    .exitOverride()
    .action((options: { email: string; name: string; password: string }) => {
      doing = 'create';
      run = async () => {
        const operator = await withDatabase(config, (orm) => createOperatorAccount(orm.em.fork(), options));
        process.stdout.write(`Operator created: ${operator.email} (${operator.name})\n`);
      };
    });
  program
    .command('disable')
    .description('Disable (or, with --enable, re-enable) an operator account')
    .requiredOption('--email <email>', 'the operator’s sign-in e-mail')
    .option('--enable', 'enable the account again')
    .exitOverride()
    .action((options: { email: string; enable?: boolean }) => {
      doing = options.enable ? 'enable' : 'disable';
      run = async () => {
        const operator = await withDatabase(config, (orm) => setOperatorDisabled(orm.em.fork(), options.email, !options.enable));
        if (operator.disabled) await announceDisabled(config, operator.id);
        process.stdout.write(`Operator ${operator.email} ${operator.disabled ? 'disabled' : 'enabled'}\n`);
      };
    });
  try {
    program.parse(argv);
  } catch (error) {
    return error instanceof CommanderError && error.exitCode === 0 ? 0 : 2;
  }
  if (!run) return 2;
  await run();
  return 0;
}

main(process.argv).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const line =
      error instanceof OperatorError || error instanceof ConfigError ? `Cannot ${doing} operator: ${error.message}` : describeStartupError(error);
    process.stderr.write(`${line}\n`);
    process.exit(1);
  },
);
