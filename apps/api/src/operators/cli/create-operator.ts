import 'reflect-metadata';
import { MikroORM } from '@mikro-orm/postgresql';
import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig } from '../../config/app-config';
import { mikroOrmOptions } from '../../database/mikro-orm.config';
import { prepareDatabase } from '../../database/prepare-database';
import { describeStartupError } from '../../startup-errors';
import { OperatorError } from '../operators.errors';
import { createOperatorAccount } from '../operator-accounts';

/**
 * `npm run operator:create -- --email E --name N --password P`
 * Exit 0 and one line on success; exit 1 and one clear line on a duplicate e-mail, weak password,
 * bad input or unreachable database; exit 2 on bad usage.
 */
async function main(argv: string[]): Promise<number> {
  const program = new Command('operator:create')
    .description('Create a Parley operator account')
    .requiredOption('--email <email>', 'sign-in e-mail (unique)')
    .requiredOption('--name <name>', 'name shown to visitors')
    .requiredOption('--password <password>', 'at least 10 characters')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  try {
    program.parse(argv);
  } catch (error) {
    return error instanceof CommanderError && error.exitCode === 0 ? 0 : 2;
  }
  const options = program.opts<{ email: string; name: string; password: string }>();
  const config = loadConfig();
  await prepareDatabase(config.databaseUrl);
  const orm = await MikroORM.init({ ...mikroOrmOptions(config.databaseUrl), pool: { min: 0, max: 1 } });
  try {
    const operator = await createOperatorAccount(orm.em.fork(), options);
    process.stdout.write(`Operator created: ${operator.email} (${operator.name})\n`);
    return 0;
  } finally {
    await orm.close(true);
  }
}

main(process.argv).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const line =
      error instanceof OperatorError || error instanceof ConfigError
        ? `Cannot create operator: ${error.message}`
        : describeStartupError(error);
    process.stderr.write(`${line}\n`);
    process.exit(1);
  },
);
