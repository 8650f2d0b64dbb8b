import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { ChatSessionStatus, SenderRole } from '../../common/enums';
import { OperatorModel, toOperatorModel } from '../../operators/models/operator.model';
import { toVisitorModel, VisitorModel } from '../../visitors/models/visitor.model';
import { ChatSession } from '../chat-session.entity';

@ObjectType('ChatSession', { description: 'One conversation: WAITING in the queue → ACTIVE with an operator → CLOSED.' })
export class ChatSessionModel {
  @Field(() => ID)
  id!: string;

  @Field(() => ChatSessionStatus)
  status!: ChatSessionStatus;

  @Field(() => VisitorModel)
  visitor!: VisitorModel;

  @Field(() => OperatorModel, { nullable: true, description: 'The operator who accepted it; null while WAITING.' })
  operator?: OperatorModel | null;

  @Field(() => Date, { description: 'When it entered the waiting queue; the queue is FIFO by this.' })
  queuedAt!: Date;

  @Field(() => Date, { nullable: true })
  acceptedAt?: Date | null;

  @Field(() => Date, { nullable: true })
  closedAt?: Date | null;

  @Field(() => String, { nullable: true, description: 'Resolution text given on close.' })
  resolution?: string | null;

  @Field(() => SenderRole, { nullable: true, description: 'Who closed it (OPERATOR or VISITOR); null until CLOSED.' })
  closedBy?: SenderRole | null;

  @Field(() => String, { nullable: true, description: "The visitor's first message, at most 140 code points (queue preview)." })
  preview?: string | null;

  @Field(() => Int, { description: 'Seq of the latest message (0 when none).' })
  lastSeq!: number;

  @Field(() => Int, { nullable: true, description: '1-based place in the waiting queue; null unless WAITING.' })
  queuePosition?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Estimated seconds until an operator accepts; null unless WAITING or when no operator is online.',
  })
  estimatedWaitSeconds?: number | null;
}

@ObjectType('PageInfo')
export class PageInfoModel {
  @Field()
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Pass as `after` to get the next page.' })
  endCursor?: string | null;
}

@ObjectType('ChatSessionPage', { description: 'A page of chat sessions, newest queued first.' })
export class ChatSessionPageModel {
  @Field(() => [ChatSessionModel])
  nodes!: ChatSessionModel[];

  @Field(() => PageInfoModel)
  pageInfo!: PageInfoModel;
}

@ObjectType('QueueSnapshot', { description: 'The whole waiting queue, FIFO.' })
export class QueueSnapshotModel {
  @Field(() => Int)
  count!: number;

  @Field(() => [ChatSessionModel])
  sessions!: ChatSessionModel[];
}

/**
 * A {@link QueueSnapshotModel} as the queue channel carries it: with its version from `QueueVersions`
 * (an integer, higher = fresher; see `QueueSnapshotStream`). The version is not in the GraphQL schema:
 * each `queueUpdated` subscription orders its snapshots itself.
 */
export interface VersionedQueueSnapshot extends QueueSnapshotModel {
  version: number;
}

/** Queue facts of a WAITING session, computed by the queue service. */
export interface QueuePlace {
  position: number;
  estimatedWaitSeconds: number | null;
}

/** Maps a session row (visitor and operator loaded) to its API shape. */
export function toChatSessionModel(session: ChatSession, place?: QueuePlace, preview?: string | null): ChatSessionModel {
  const operator = session.operator?.getEntity();
  return {
    id: session.id,
    status: session.status,
    visitor: toVisitorModel(session.visitor.getEntity()),
    operator: operator ? toOperatorModel(operator) : null,
    queuedAt: session.queuedAt,
    acceptedAt: session.acceptedAt ?? null,
    closedAt: session.closedAt ?? null,
    resolution: session.resolution ?? null,
    closedBy: session.closedBy ?? null,
    preview: preview ?? null,
    lastSeq: session.lastSeq,
    queuePosition: place?.position ?? null,
    estimatedWaitSeconds: place?.estimatedWaitSeconds ?? null,
  };
}
