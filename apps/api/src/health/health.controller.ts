import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, MikroOrmHealthIndicator } from '@nestjs/terminus';
import Redis from 'ioredis';
import { REDIS } from '../realtime/redis.providers';

/** Liveness and readiness probes for load balancers and orchestrators. */
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: MikroOrmHealthIndicator,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  /** 200 while the process serves HTTP. */
  @Get('healthz')
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** 200 when PostgreSQL and Redis both answer within 1.5 s; 503 naming the failing one otherwise. */
  @Get('readyz')
  @HealthCheck()
  readyz() {
    return this.health.check([
      () => this.database.pingCheck('postgres', { timeout: 1500 }),
      async () => {
        const check = this.indicators.check('redis');
        try {
          const pong = await Promise.race([
            this.redis.ping(),
            new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 1500).unref()),
          ]);
          return pong === 'PONG' ? check.up() : check.down({ message: 'unexpected reply to PING' });
        } catch (error) {
          return check.down({ message: (error as Error).message });
        }
      },
    ]);
  }
}
