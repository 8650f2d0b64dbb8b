import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { GracefulShutdown } from './graceful-shutdown.service';

/** The instance's own lifecycle: graceful shutdown on `SIGTERM` (see {@link GracefulShutdown}). */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [GracefulShutdown],
  exports: [GracefulShutdown],
})
export class LifecycleModule {}
