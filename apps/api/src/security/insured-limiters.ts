import { Logger } from '@nestjs/common';
import { ReplyError } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { describeUnavailable } from '../common/service-unavailable';

type RedisLimiterOptions = ConstructorParameters<typeof RateLimiterRedis>[0];
type ActionOptions = { [key: string]: unknown };

/**
 * What rate-limiter-flexible (11.x, `lib/RateLimiterInsuredAbstract.js`) calls when an operation on the store
 * fails, with the store's error, before it hands the operation to the `insuranceLimiter`: a refusal (a
 * {@link RateLimiterRes}) is rejected as it is; any other error is dropped and the insurance answers. It is
 * not in the package's types.
 */
interface InsuredInternals {
  _handleError(error: unknown, operation: string, resolve: (answer: unknown) => void, reject: (reason: unknown) => void, params: unknown[]): void;
}

/**
 * A limiter in Redis that tells its {@link InsuredLimiters} which of its `consume` calls Redis answered, and
 * why each one its memory insurance answered was not answered by Redis.
 */
class ReportingRedisLimiter extends RateLimiterRedis {
  constructor(
    options: RedisLimiterOptions,
    private readonly limiters: InsuredLimiters,
  ) {
    super(options);
  }

  override consume(key: string | number, points?: number, options?: ActionOptions): Promise<RateLimiterRes> {
    const before = this.limiters.memoryAnswers;
    return super.consume(key, points, options).then(
      (answer) => {
        this.limiters.answered(before);
        return answer;
      },
      (reason: unknown) => {
        if (reason instanceof RateLimiterRes) this.limiters.answered(before); // a refusal is an answer too
        throw reason;
      },
    );
  }

  /** rate-limiter-flexible's {@link InsuredInternals._handleError}: Redis' error is told before the insurance answers. */
  _handleError(error: unknown, operation: string, resolve: (answer: unknown) => void, reject: (reason: unknown) => void, params: unknown[]): void {
    if (!(error instanceof RateLimiterRes)) this.limiters.answeredFromMemory(error);
    (RateLimiterRedis.prototype as unknown as InsuredInternals)._handleError.call(this, error, operation, resolve, reject, params);
  }
}

/**
 * Rate limiters counting in Redis (rate-limiter-flexible's `RateLimiterRedis`), each with a counter in this
 * instance's memory as its `insuranceLimiter`, which answers whenever Redis cannot: the connection is not
 * ready (with `rejectIfRedisNotReady`), a command times out, or Redis answers a command with an error (a
 * read-only replica's `READONLY`, `OOM` at `maxmemory`).
 *
 * Which of the two counts is told in the log once per change, for all the limiters made here together (not
 * once per request): a warning when the memory first answers, naming Redis' error, and a line when Redis
 * answers a `consume` again. A `consume` during which no limiter was answered from memory was answered by
 * Redis; one that overlapped a memory answer tells nothing, and a later one will.
 */
export class InsuredLimiters {
  private fromMemory = 0;
  private inMemory = false;

  constructor(private readonly logger: Logger) {}

  /** How many times a limiter's memory insurance answered, since the start. */
  get memoryAnswers(): number {
    return this.fromMemory;
  }

  /** A limiter in Redis with `options`, insured by a counter in memory with the same `keyPrefix`, `points` and `duration` (s). */
  create(options: Omit<RedisLimiterOptions, 'insuranceLimiter'>): RateLimiterRedis {
    const insurance = new RateLimiterMemory({ keyPrefix: options.keyPrefix, points: options.points, duration: options.duration });
    return new ReportingRedisLimiter({ ...options, insuranceLimiter: insurance }, this);
  }

  /** A `consume` that began when {@link memoryAnswers} was `before` has been answered. */
  answered(before: number): void {
    if (!this.inMemory || this.memoryAnswers !== before) return;
    this.inMemory = false;
    this.logger.log('Rate limits are counted in Redis again, shared by every API instance');
  }

  /**
   * A limiter's memory insurance answers an operation Redis failed with `error`: the warning, with the error,
   * when it is the first since Redis last counted. An error Redis replied ({@link ReplyError}) says Redis is
   * there but will not count; any other (rate-limiter-flexible's `Redis connection is not ready`, ioredis'
   * `Command timed out` or `Connection is closed.`) that it cannot be reached or does not answer.
   */
  answeredFromMemory(error: unknown): void {
    this.fromMemory++;
    if (this.inMemory) return;
    this.inMemory = true;
    const why = error instanceof ReplyError ? 'answers with an error' : 'is unreachable or not answering';
    this.logger.warn(
      `Rate limits: Redis (REDIS_URL) ${why} (${describeUnavailable(error)}); each API instance counts in its own memory until Redis counts again, so a limit holds per instance`,
    );
  }
}
