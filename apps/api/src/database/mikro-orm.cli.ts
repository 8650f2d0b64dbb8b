import { loadConfig } from '../config/app-config';
import { mikroOrmOptions } from './mikro-orm.config';

/** Options for the `mikro-orm` CLI only (`npm run migration:create`, `migration:check`): reads DATABASE_URL. */
export default mikroOrmOptions(loadConfig().databaseUrl);
