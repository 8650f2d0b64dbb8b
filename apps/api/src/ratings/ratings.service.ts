import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { MAX_RATING_COMMENT_LENGTH, RATING_SCORE_MAX, RATING_SCORE_MIN } from '@parley/shared';
import { VisitorPrincipal } from '../auth/principal';
import { ChatSessionStatus } from '../common/enums';
import { isUniqueViolation } from '../database/sql';
import { ChatSession } from '../sessions/chat-session.entity';
import { SessionError } from '../sessions/sessions.errors';
import { requireText, SessionsService } from '../sessions/sessions.service';
import { RatingModel } from './models/rating.model';
import { Rating } from './rating.entity';

function toRatingModel(rating: Rating): RatingModel {
  return { id: rating.id, score: rating.score, comment: rating.comment ?? null, createdAt: rating.createdAt };
}

/** CSAT ratings: once per session, by its visitor, after it is CLOSED. */
@Injectable()
export class RatingsService {
  constructor(
    private readonly em: EntityManager,
    private readonly sessions: SessionsService,
  ) {}

  /**
   * Stores the visitor's rating of its closed session.
   * @throws SessionError `BAD_USER_INPUT` (score not an integer 1–5, comment too long, session not closed
   *   yet, or already rated), `NOT_FOUND`, `FORBIDDEN` (someone else's session)
   */
  async rateSession(principal: VisitorPrincipal, sessionId: string, score: number, comment?: string | null): Promise<RatingModel> {
    if (!Number.isInteger(score) || score < RATING_SCORE_MIN || score > RATING_SCORE_MAX) {
      throw SessionError.badInput(`score must be a whole number from ${RATING_SCORE_MIN} to ${RATING_SCORE_MAX}`, 'score');
    }
    const text = comment?.trim() ? requireText(comment, MAX_RATING_COMMENT_LENGTH, 'comment') : undefined;
    const session = await this.sessions.assertReadable(principal, sessionId);
    if (session.status !== ChatSessionStatus.CLOSED) {
      throw SessionError.badInput('A chat session can be rated once it is closed', 'sessionId');
    }
    const em = this.em.fork();
    const rating = new Rating({ session: em.getReference(ChatSession, sessionId, { wrapped: true }), score, comment: text });
    try {
      await em.persistAndFlush(rating);
    } catch (error) {
      if (isUniqueViolation(error)) throw SessionError.badInput('This chat session was already rated', 'sessionId');
      throw error;
    }
    return toRatingModel(rating);
  }

  /** The rating of a session, or null. */
  async ratingOf(sessionId: string): Promise<RatingModel | null> {
    const rating = await this.em.fork().findOne(Rating, { session: sessionId });
    return rating ? toRatingModel(rating) : null;
  }
}
