import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { RateLimitInterceptor } from './rate-limit.interceptor';
import { RateLimitService } from './rate-limit.service';
import { WsGuardrails } from './ws-guardrails';

/** Abuse protection: rate limits (Redis), WebSocket caps and limits. HTTP headers/CORS: `applyHttpSecurity`. */
@Global()
@Module({
  providers: [RateLimitService, WsGuardrails, { provide: APP_INTERCEPTOR, useClass: RateLimitInterceptor }],
  exports: [RateLimitService, WsGuardrails],
})
export class SecurityModule {}
