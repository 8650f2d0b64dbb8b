import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { PresenceModule } from '../presence/presence.module';
import { NotificationJobsModule } from './notification-jobs.module';
import { NotificationsResolver } from './notifications.resolver';
import { NotificationsService } from './notifications.service';

/**
 * Operator notifications in the API: enqueuing when a chat session waits unseen (global, so the sessions
 * feature can call {@link NotificationsService.sessionQueued}), the settings operations, and the jobs
 * (see {@link NotificationJobsModule}).
 */
@Module({})
export class NotificationsModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: NotificationsModule,
      global: true,
      imports: [NotificationJobsModule.forRoot(config), PresenceModule],
      providers: [NotificationsService, NotificationsResolver],
      exports: [NotificationsService],
    };
  }
}
