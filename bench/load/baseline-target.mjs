// Drives the Socket.IO baseline (bench/baseline/server.mjs) with the same calls as ParleyTarget.
import { io } from 'socket.io-client';
import { signToken } from '../lib/jwt.mjs';

function emit(socket, event, payload) {
  return new Promise((resolve, reject) => {
    socket.timeout(30000).emit(event, payload, (timeout, reply) => {
      if (timeout) reject(new Error(`${event} timed out`));
      else if (reply?.error) reject(new Error(reply.error));
      else resolve(reply);
    });
  });
}

/** One Socket.IO connection; events of the rooms it joined go to the handlers registered per session. */
class Connection {
  constructor(url, token, onClosed) {
    this.handlers = new Map();
    this.socket = io(url, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true, timeout: 30000 });
    this.socket.on('message:new', (m) =>
      this.handlers.get(m.session_id)?.message({ clientMessageId: m.client_message_id, senderRole: m.sender_role }),
    );
    this.socket.on('queue:position', (p) => this.handlers.get(p.sessionId)?.position?.(p.position));
    this.socket.on('disconnect', (reason) => {
      if (!this.disposed && reason !== 'io client disconnect') onClosed?.(reason);
    });
  }

  ready() {
    if (this.socket.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('connect_error', reject);
    });
  }

  dispose() {
    this.disposed = true;
    this.socket.disconnect();
  }
}

export class BaselineTarget {
  /** @param {{ httpUrl: string, secret: string }} options */
  constructor(options, hooks) {
    this.options = options;
    this.hooks = hooks;
    this.name = 'baseline';
  }

  async connect(token) {
    const connection = new Connection(this.options.httpUrl, token, () => this.hooks.onClosed());
    await connection.ready();
    // Which instance answered (scenario d), asked once per connection.
    connection.instance = (await emit(connection.socket, 'whoami', {})).instance;
    return connection;
  }

  async visitor() {
    const response = await fetch(`${this.options.httpUrl}/visitors`, { method: 'POST' });
    if (!response.ok) throw new Error(`POST /visitors: ${response.status}`);
    const { token } = await response.json();
    return this.connect(token);
  }

  seededVisitor(visitorId) {
    return this.connect(signToken(this.options.secret, visitorId, 'v'));
  }

  operator() {
    return this.connect(signToken(this.options.secret, crypto.randomUUID(), 'o'));
  }

  async startSession(visitor) {
    const { id, position } = await emit(visitor.socket, 'session:start', {});
    return { id, position };
  }

  async accept(operator, sessionId) {
    await emit(operator.socket, 'session:accept', { sessionId });
  }

  /** Joins the session's room and replays its history (as a reopening widget does), then live events. */
  subscribe(connection, sessionId, _afterSeq, handlers) {
    connection.handlers.set(sessionId, handlers);
    emit(connection.socket, 'session:join', { sessionId, afterId: 0 }).then(
      ({ messages }) => {
        messages.forEach((m) => handlers.message({ clientMessageId: m.client_message_id, senderRole: m.sender_role }));
        handlers.subscribed?.(); // the room is joined: live from here
      },
      (error) => handlers.error(error),
    );
    return () => connection.handlers.delete(sessionId);
  }

  async send(connection, sessionId, content, clientMessageId) {
    await emit(connection.socket, 'message:send', { sessionId, content, clientMessageId });
  }
}
