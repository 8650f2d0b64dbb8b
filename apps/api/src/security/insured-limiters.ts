import { Logger } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

type RedisLimiterOptions = ConstructorParameters<typeof RateLimiterRedis>[0];
type ActionOptions = { [key: string]: unknown };

/** The insurance limiter: counts in this instance's memory, and tells `asked` each time it answers for Redis. */
class MemoryInsurance extends RateLimiterMemory {
  constructor(
    options: ConstructorParameters<typeof RateLimiterMemory>[0],
    private readonly asked: () => void,
  ) {
    super(options);
  }

  override consume(key: string | number, points?: number, options?: ActionOptions): Promise<RateLimiterRes> {
    this.asked();
    return super.consume(key, points, options);
  }

  override reward(key: string | number, points?: number, options?: ActionOptions): Promise<RateLimiterRes> {
    this.asked();
    return super.reward(key, points, options);
  }
}

/** A limiter in Redis that tells its {@link InsuredLimiters} which of its `consume` calls Redis answered. */
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
}

/**
 * Rate limiters counting in Redis (rate-limiter-flexible's `RateLimiterRedis`), each with a counter in this
 * instance's memory as its `insuranceLimiter`, which answers whenever Redis cannot: the connection is not
 * ready (with `rejectIfRedisNotReady`), or a command fails or times out.
 *
 * Which of the two counts is told in the log once per change, for all the limiters made here together (not
 * once per request): a warning when the memory first answers, and a line when Redis answers a `consume`
 * again. A `consume` during which no limiter was answered from memory was answered by Redis; one that
 * overlapped a memory answer tells nothing, and a later one will.
 */
export class InsuredLimiters {
  private fromMemory = 0;
  private inMemory = false;

  constructor(private readonly logger: Logger) {}

  /** How many times a limiter's memory insurance answered, since the start. */
  get memoryAnswers(): number {
    return this.fromMemory;
  }

  /** A limiter in Redis with `options`, insured by a counter in memory with the same `keyPrefix`, `points` and `duration`. */
  create(options: Omit<RedisLimiterOptions, 'insuranceLimiter'>): RateLimiterRedis {
    const insurance = new MemoryInsurance({ keyPrefix: options.keyPrefix, points: options.points, duration: options.duration }, () =>
      this.answeredFromMemory(),
    );
    return new ReportingRedisLimiter({ ...options, insuranceLimiter: insurance }, this);
  }

  /** A `consume` that began when {@link memoryAnswers} was `before` has been answered. */
  answered(before: number): void {
    if (!this.inMemory || this.memoryAnswers !== before) return;
    this.inMemory = false;
    this.logger.log('Rate limits are counted in Redis again, shared by every API instance');
  }

  private answeredFromMemory(): void {
    this.fromMemory++;
    if (this.inMemory) return;
    this.inMemory = true;
    this.logger.warn(
      'Rate limits: Redis is unreachable or not answering (REDIS_URL); each API instance counts in its own memory until it answers again, so a limit holds per instance',
    );
  }
}
