/** How a channel refused or failed to take a notification; decides what the job does next. */
export type DeliveryFailureKind =
  /** The channel refused it for good (Telegram 4xx, SMTP 5xx): not retried. */
  | 'permanent'
  /** Unreachable, timed out or a server error: retried with backoff. */
  | 'transient'
  /** Telegram `429`: retry after `retryAfterSeconds`. */
  | 'rate-limited';

/** A failed delivery, with a readable one-line reason that holds no secret. */
export class DeliveryFailure extends Error {
  private constructor(
    readonly kind: DeliveryFailureKind,
    reason: string,
    /** Seconds the channel asked to wait (`rate-limited` only). */
    readonly retryAfterSeconds = 0,
  ) {
    super(reason);
    this.name = 'DeliveryFailure';
  }

  static permanent(reason: string): DeliveryFailure {
    return new DeliveryFailure('permanent', reason);
  }
  static transient(reason: string): DeliveryFailure {
    return new DeliveryFailure('transient', reason);
  }
  static rateLimited(reason: string, retryAfterSeconds: number): DeliveryFailure {
    return new DeliveryFailure('rate-limited', reason, retryAfterSeconds);
  }
}

/** The message of whatever was thrown, with its cause (fetch puts the network error there), on one line. */
export function describeError(error: unknown): string {
  const e = error as { message?: string; cause?: { message?: string; code?: string } };
  const message = e?.cause?.message ? `${e.message ?? 'failed'}: ${e.cause.message}` : (e?.message ?? String(error));
  return message.replace(/\s+/g, ' ').trim();
}

/** `text` with every occurrence of each non-empty secret replaced by `[secret]`. */
export function redact(text: string, secrets: Array<string | undefined>): string {
  return secrets.reduce<string>((out, secret) => (secret ? out.split(secret).join('[secret]') : out), text);
}
