import { MikroORM } from '@mikro-orm/core';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { DynamicModule, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { mikroOrmOptions } from './mikro-orm.config';
import { openOrmConnections } from './orm-connections';

/** Opens MikroORM's connections as the module starts ({@link openOrmConnections}). */
@Injectable()
class OrmConnections implements OnModuleInit {
  constructor(private readonly orm: MikroORM) {}

  onModuleInit(): Promise<void> {
    return openOrmConnections(this.orm);
  }
}

/** MikroORM on `databaseUrl` for the API and the worker, its pool full before the process serves. */
@Module({})
export class DatabaseModule {
  static forRoot(databaseUrl: string): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [MikroOrmModule.forRoot({ ...mikroOrmOptions(databaseUrl), registerRequestContext: false })],
      providers: [OrmConnections],
    };
  }
}
