import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Allow, CurrentPrincipal } from '../auth/auth.decorators';
import type { OperatorPrincipal } from '../auth/principal';
import { NotificationSettingsModel, NotificationTestResultModel } from './models/notification-settings.model';
import { NotificationChannel } from './notification-jobs';
import { NotificationsService } from './notifications.service';

@Resolver()
export class NotificationsResolver {
  constructor(private readonly notifications: NotificationsService) {}

  @Query(() => NotificationSettingsModel, {
    description: 'Operator: which notification channels are configured, where they send, and the waiting threshold.',
  })
  @Allow('operator')
  notificationSettings(): NotificationSettingsModel {
    return this.notifications.settings();
  }

  @Mutation(() => [NotificationTestResultModel], {
    description:
      'Operator: send a test notification now to every destination of `channel` (every configured channel when ' +
      'omitted); one result per destination, a failed delivery is a result with `error`. ' +
      'Errors: BAD_USER_INPUT (that channel, or every channel, is not configured).',
  })
  @Allow('operator')
  sendTestNotification(
    @CurrentPrincipal() principal: OperatorPrincipal,
    @Args('channel', { type: () => NotificationChannel, nullable: true }) channel?: NotificationChannel | null,
  ): Promise<NotificationTestResultModel[]> {
    return this.notifications.sendTest(principal.operatorId, channel);
  }
}
