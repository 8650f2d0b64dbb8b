import { Message } from '../messages/message.entity';
import { NotificationDelivery } from '../notifications/notification-delivery.entity';
import { Operator } from '../operators/operator.entity';
import { Rating } from '../ratings/rating.entity';
import { ChatSession } from '../sessions/chat-session.entity';
import { Visitor } from '../visitors/visitor.entity';

/** Every MikroORM entity of the API; the one list the ORM, the CLI and tests register. */
export const ENTITIES = [Visitor, Operator, ChatSession, Message, Rating, NotificationDelivery];
