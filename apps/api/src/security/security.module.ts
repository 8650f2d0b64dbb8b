import { Global, Module } from '@nestjs/common';
import { RateLimitGuard } from './rate-limit.guard';
import { RateLimitService } from './rate-limit.service';
import { WsGuardrails } from './ws-guardrails';

/** Abuse protection: rate limits (Redis), WebSocket caps and limits. HTTP headers/CORS: `applyHttpSecurity`. */
@Global()
@Module({
  providers: [RateLimitService, RateLimitGuard, WsGuardrails],
  exports: [RateLimitService, RateLimitGuard, WsGuardrails],
})
export class SecurityModule {}
