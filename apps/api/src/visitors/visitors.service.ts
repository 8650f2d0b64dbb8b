import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { TokenService } from '../auth/token.service';
import { CreateVisitorInput } from './dto/create-visitor.input';
import { toVisitorModel, VisitorAuthModel, VisitorModel } from './models/visitor.model';
import { Visitor } from './visitor.entity';

/** Visitors and their guest tokens. */
@Injectable()
export class VisitorsService {
  constructor(
    private readonly em: EntityManager,
    private readonly tokens: TokenService,
  ) {}

  /** Stores a visitor (name trimmed; blank fields dropped) and signs its guest token. */
  async createVisitor(input: CreateVisitorInput): Promise<VisitorAuthModel> {
    const blankToUndefined = (v?: string | null) => (v?.trim() ? v.trim() : undefined);
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

  /** The visitor behind a guest token. */
  async getVisitor(visitorId: string): Promise<VisitorModel> {
    return toVisitorModel(await this.em.fork().findOneOrFail(Visitor, visitorId));
  }
}
