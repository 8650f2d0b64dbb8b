import { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import { TokenService } from '../auth/token.service';
import { RequestError } from '../common/domain-error';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { CreateVisitorInput, VisitorIdentityInput } from './dto/create-visitor.input';
import { toVisitorModel, VisitorAuthModel, VisitorModel } from './models/visitor.model';
import { verifyIdentity } from './visitor-identity';
import { Visitor } from './visitor.entity';
import { VisitorError } from './visitors.errors';

const blankToUndefined = (v?: string | null) => (v?.trim() ? v.trim() : undefined);

/** Visitors and their guest tokens. */
@Injectable()
export class VisitorsService {
  constructor(
    private readonly em: EntityManager,
    private readonly tokens: TokenService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Stores a visitor (name trimmed; blank fields dropped) and signs its guest token. With a signed
   * `identity`, the visitor is the site's verified user instead: the one visitor with that
   * `externalUserId` (created on first use; its name and e-mail follow the signed values), so the user
   * resumes the same chats on any device. Without one, the visitor is a new unverified guest, whatever
   * name or e-mail it gives: a verified identity can only be claimed with a valid signature.
   * @throws VisitorError `UNAUTHENTICATED` (bad or stale signature), `BAD_USER_INPUT` (verification not configured)
   */
  async createVisitor(input: CreateVisitorInput): Promise<VisitorAuthModel> {
    if (input.identity) return this.verifiedVisitor(input.identity, input);
    const visitor = new Visitor({
      name: blankToUndefined(input.name),
      email: blankToUndefined(input.email)?.toLowerCase(),
      pageUrl: blankToUndefined(input.pageUrl),
      locale: blankToUndefined(input.locale),
    });
    const em = this.em.fork();
    await em.persistAndFlush(visitor);
    return { token: this.tokens.signVisitor(visitor.id), visitor: toVisitorModel(visitor) };
  }

  /**
   * A fresh guest token for the visitor behind a still valid one: the same visitor, its lifetime
   * (`VISITOR_TOKEN_TTL_SECONDS`) counted from now. The widget asks for one once its token has used half its
   * lifetime, so a returning visitor's token never runs out in the middle of a chat.
   * @throws RequestError `UNAUTHENTICATED` when the visitor is no longer stored.
   */
  async renewToken(visitorId: string): Promise<VisitorAuthModel> {
    const visitor = await this.getVisitor(visitorId);
    return { token: this.tokens.signVisitor(visitorId), visitor };
  }

  /** The visitor behind a guest token. @throws RequestError `UNAUTHENTICATED` when it is no longer stored. */
  async getVisitor(visitorId: string): Promise<VisitorModel> {
    const visitor = await this.em.fork().findOne(Visitor, visitorId);
    if (!visitor) throw RequestError.visitorGone();
    return toVisitorModel(visitor);
  }

  private async verifiedVisitor(identity: VisitorIdentityInput, input: CreateVisitorInput): Promise<VisitorAuthModel> {
    const secret = this.config.identity.secret;
    if (!secret) throw VisitorError.identityNotConfigured();
    const check = verifyIdentity(identity, secret, this.config.identity.maxAgeSeconds);
    if (!check.ok) throw VisitorError.identityRefused(check.reason);
    const em = this.em.fork();
    const rows = await em.getConnection().execute<Array<{ id: string }>>(
      `INSERT INTO visitor (id, name, email, page_url, locale, external_user_id, verified, created_at)
       VALUES (gen_random_uuid(), ?, ?, ?, ?, ?, true, now())
       ON CONFLICT (external_user_id) DO UPDATE SET
         name = coalesce(excluded.name, visitor.name),
         email = coalesce(excluded.email, visitor.email),
         page_url = coalesce(excluded.page_url, visitor.page_url),
         locale = coalesce(excluded.locale, visitor.locale)
       RETURNING id`,
      [
        blankToUndefined(identity.name) ?? null,
        blankToUndefined(identity.email)?.toLowerCase() ?? null,
        blankToUndefined(input.pageUrl) ?? null,
        blankToUndefined(input.locale) ?? null,
        identity.userId,
      ],
    );
    const visitor = await em.findOneOrFail(Visitor, rows[0].id);
    return { token: this.tokens.signVisitor(visitor.id), visitor: toVisitorModel(visitor) };
  }
}
