import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import nodemailer, { Transporter } from 'nodemailer';
import { AppConfig, NotificationsConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { DeliveryFailure, describeError, redact } from '../delivery-failure';
import { EmailContent } from './email-message';

/** Sends notification e-mails with nodemailer over SMTP (`SMTP_URL`) to `NOTIFY_EMAILS`. */
@Injectable()
export class EmailChannel implements OnApplicationShutdown {
  private readonly settings?: NotificationsConfig['email'];
  private readonly transport?: Transporter;
  private readonly secrets: string[] = [];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.settings = config.notifications.email;
    if (!this.settings) return;
    const password = new URL(this.settings.smtpUrl).password;
    this.secrets = [password, decodeURIComponent(password)];
    this.transport = nodemailer.createTransport({
      url: this.settings.smtpUrl,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
  }

  onApplicationShutdown(): void {
    this.transport?.close();
  }

  /**
   * Sends one e-mail to every `NOTIFY_EMAILS` address.
   * @throws DeliveryFailure `permanent` (the server refused it with a 5xx reply: bad login, no such
   *   mailbox), `transient` (unreachable, timeout, a 4xx reply). Messages never hold the password.
   */
  async send(content: EmailContent): Promise<void> {
    if (!this.settings || !this.transport) throw DeliveryFailure.permanent('E-mail is not configured (SMTP_URL, NOTIFY_EMAILS)');
    try {
      await this.transport.sendMail({ from: this.settings.from, to: this.settings.recipients, ...content });
    } catch (error) {
      const code = (error as { responseCode?: number }).responseCode;
      const reason = redact(`SMTP at SMTP_URL failed (${describeError(error)})`, this.secrets);
      throw code !== undefined && code >= 500 ? DeliveryFailure.permanent(reason) : DeliveryFailure.transient(reason);
    }
  }
}
