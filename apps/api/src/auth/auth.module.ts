import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { AccountStatusService } from './account-status.service';
import { AuthGuard } from './auth.guard';
import { ConnectionRegistry } from './connection-registry';
import { TokenService } from './token.service';

/** Tokens, the global {@link AuthGuard}, operator account status and the registry of authenticated sockets. */
@Global()
@Module({
  imports: [
    JwtModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ secret: config.jwtSecret, signOptions: { algorithm: 'HS256' } }),
    }),
  ],
  providers: [TokenService, AccountStatusService, ConnectionRegistry, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [TokenService, AccountStatusService, ConnectionRegistry],
})
export class AuthModule {}
