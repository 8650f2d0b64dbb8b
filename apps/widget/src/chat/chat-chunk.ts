/**
 * Entry of the lazily loaded part (`widget/chat-<hash>.js`), loaded as a classic script when the visitor
 * opens the chat (so it needs no CORS headers on a customer's site). It announces its mount function with
 * a `parley:chunk` window event instead of a global variable.
 */
import { CHUNK_EVENT, type MountChat } from '../common/host';
import { ChatController } from './chat-controller';
import { graphqlWsTransport } from './graphql-ws-transport';

/** Mounts the chat panel into the launcher's host, talking to the API over graphql-ws. */
export const mountChat: MountChat = (host) => new ChatController({ host, transportFactory: graphqlWsTransport });

window.dispatchEvent(new CustomEvent<MountChat>(CHUNK_EVENT, { detail: mountChat }));
