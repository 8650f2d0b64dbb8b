import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { LoggerModule } from 'nestjs-pino';
import { AuthModule } from './auth/auth.module';
import { TokenService } from './auth/token.service';
import { DomainErrorFilter } from './common/domain-error.filter';
import { ServiceUnavailableFilter } from './common/service-unavailable.filter';
import { formatGraphQLError } from './common/format-graphql-error';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { GRAPHQL_PATH, graphqlContext, GraphqlWsTransport } from './graphql-transport';
import { HealthModule } from './health/health.module';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { MessagesModule } from './messages/messages.module';
import { MetricsModule } from './metrics/metrics.module';
import { NotificationsModule } from './notifications/notifications.module';
import { OperatorsModule } from './operators/operators.module';
import { PresenceModule } from './presence/presence.module';
import { RatingsModule } from './ratings/ratings.module';
import { RealtimeModule } from './realtime/realtime.module';
import { subscriptionsOverWebSocketOnly } from './realtime/subscriptions-over-websocket.plugin';
import { graphqlArmor, introspectionOff } from './security/graphql-limits';
import { SecurityModule } from './security/security.module';
import { SessionsModule } from './sessions/sessions.module';
import { VisitorsModule } from './visitors/visitors.module';

/** Options that differ between `npm start`, tests and the schema generator. */
export interface AppModuleOptions {
  /** Where to write the generated SDL (`schema.graphql`); in memory when absent. */
  schemaFile?: string;
}

/** The whole API. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppModuleOptions = {}): DynamicModule {
    const armor = graphqlArmor();
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
            redact: ['req.headers.authorization', 'req.headers.cookie'],
          },
        }),
        DatabaseModule.forRoot(config.databaseUrl),
        RealtimeModule,
        MetricsModule,
        LifecycleModule,
        AuthModule,
        SecurityModule,
        GraphQLModule.forRootAsync<ApolloDriverConfig>({
          driver: ApolloDriver,
          inject: [TokenService],
          useFactory: (tokens: TokenService) => ({
            ...armor,
            // No cache hints here (every answer is per visitor or operator). Without Apollo's default
            // cache-control plugin, no plugin has a per-field hook, so Apollo leaves the schema's resolvers
            // unwrapped, and the WebSocket path, which shares the schema, does not pay for the wrapper.
            plugins: [...armor.plugins, ApolloServerPluginCacheControlDisabled(), subscriptionsOverWebSocketOnly],
            autoSchemaFile: options.schemaFile ?? true,
            sortSchema: true,
            path: GRAPHQL_PATH,
            // Apollo's own refusal would tell users to pass an option to ApolloServer; ours names GRAPHQL_INTROSPECTION.
            introspection: true,
            validationRules: [...armor.validationRules, ...(config.graphqlIntrospection ? [] : [introspectionOff])],
            graphiql: config.graphqlIde,
            playground: false,
            csrfPrevention: true,
            context: graphqlContext(tokens),
            formatError: formatGraphQLError,
          }),
        }),
        PresenceModule,
        NotificationsModule.forRoot(config),
        VisitorsModule,
        OperatorsModule,
        SessionsModule,
        MessagesModule,
        RatingsModule,
        HealthModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: DomainErrorFilter }, { provide: APP_FILTER, useClass: ServiceUnavailableFilter }, GraphqlWsTransport],
    };
  }
}
