// Drives Parley the way the widget and the console do: graphql-ws over one WebSocket per visitor or
// operator, the widget's own GraphQL documents, HTTP only for createVisitor / loginOperator.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { signToken } from '../lib/jwt.mjs';

const MESSAGE_FIELDS = 'id seq senderRole senderName content clientMessageId sentAt';

// apps/widget/src/operations.graphql, SessionEvents.
const SESSION_EVENTS = `subscription SessionEvents($sessionId: ID!, $afterSeq: Int) {
  sessionEvents(sessionId: $sessionId, afterSeq: $afterSeq) {
    __typename
    ... on MessageCreated { message { ${MESSAGE_FIELDS} } }
    ... on QueuePositionChanged { position estimatedWaitSeconds operatorsOnline }
    ... on OperatorJoined { operator { name } }
    ... on SessionClosed { resolution closedBy }
    ... on TypingChanged { senderRole isTyping }
    ... on ParticipantPresenceChanged { role presence }
  }
}`;
const SEND_MESSAGE = `mutation SendMessage($input: SendMessageInput!) { sendMessage(input: $input) { ${MESSAGE_FIELDS} } }`;
const START_SESSION = `mutation StartSession($input: StartSessionInput!) {
  startSession(input: $input) { id status lastSeq queuePosition estimatedWaitSeconds resolution operator { name } rating { score } }
}`;
const ACCEPT_SESSION = `mutation AcceptSession($id: ID!) { acceptSession(sessionId: $id) { id status } }`;

/** A WebSocket that remembers which upstream nginx chose (`X-Upstream` response header), if any. */
class TrackedWebSocket extends WebSocket {
  constructor(...args) {
    super(...args);
    this.upstream = undefined;
    this.on('upgrade', (response) => {
      this.upstream = response.headers['x-upstream'];
    });
  }
}

/** One graphql-ws connection. */
class Connection {
  constructor(wsUrl, token, onClosed) {
    this.socket = undefined;
    this.client = createClient({
      url: wsUrl,
      webSocketImpl: TrackedWebSocket,
      connectionParams: token ? { authToken: token } : {},
      lazy: false,
      retryAttempts: 0,
      keepAlive: 0,
      on: {
        connected: (socket) => (this.socket = socket),
        closed: (event) => {
          if (!this.disposed) onClosed?.(event);
        },
      },
    });
  }

  /** Resolves once the connection is acknowledged; `instance` is the upstream nginx chose (or undefined). */
  ready() {
    if (this.socket) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const offConnected = this.client.on('connected', () => {
        offConnected();
        offError();
        resolve();
      });
      const offError = this.client.on('error', (error) => {
        offConnected();
        offError();
        reject(error instanceof Error ? error : new Error('connection failed'));
      });
    });
  }

  get instance() {
    return this.socket?.upstream;
  }

  /** One query or mutation; resolves with `data`, rejects with the first error. */
  request(query, variables) {
    return new Promise((resolve, reject) => {
      let result;
      this.client.subscribe(
        { query, variables },
        {
          next: (value) => (result = value),
          error: (error) => reject(Array.isArray(error) ? new Error(error[0]?.message) : error instanceof Error ? error : new Error(`closed ${error?.code}`)),
          complete: () => (result?.errors?.length ? reject(new Error(result.errors[0].message)) : resolve(result?.data)),
        },
      );
    });
  }

  dispose() {
    this.disposed = true;
    return this.client.dispose();
  }
}

/** The Parley side of the generator. Events are reported through `hooks`. */
export class ParleyTarget {
  /**
   * @param {{ httpUrl: string, wsUrl: string, secret: string, operators: Array<{ email: string, password: string }> }} options
   * @param {{ onClosed: () => void }} hooks
   */
  constructor(options, hooks) {
    this.options = options;
    this.hooks = hooks;
    this.name = 'parley';
  }

  async http(query, variables, token) {
    const response = await fetch(`${this.options.httpUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = await response.json();
    if (body.errors?.length) throw new Error(body.errors[0].message);
    return body.data;
  }

  async connect(token) {
    const connection = new Connection(this.options.wsUrl, token, () => this.hooks.onClosed());
    await connection.ready();
    return connection;
  }

  /** A new visitor with an open connection. */
  async visitor(index) {
    const data = await this.http('mutation($input: CreateVisitorInput) { createVisitor(input: $input) { token visitor { id } } }', {
      input: { name: `Bench visitor ${index}` },
    });
    return this.connect(data.createVisitor.token);
  }

  /** A visitor connection for a visitor row seeded by the orchestrator (idle widgets). */
  seededVisitor(visitorId) {
    return this.connect(signToken(this.options.secret, visitorId, 'v'));
  }

  /** Operator `index` signed in, connected and ONLINE. */
  async operator(index) {
    const { email, password } = this.options.operators[index];
    const data = await this.http('mutation($e: String!, $p: String!) { loginOperator(email: $e, password: $p) { accessToken } }', {
      e: email,
      p: password,
    });
    const connection = await this.connect(data.loginOperator.accessToken);
    await connection.request('mutation { setPresence(presence: ONLINE) { presence } }');
    return connection;
  }

  /** Starts the visitor's session; returns its id and queue position. */
  async startSession(visitor) {
    const { startSession } = await visitor.request(START_SESSION, { input: {} });
    return { id: startSession.id, position: startSession.queuePosition };
  }

  async accept(operator, sessionId) {
    await operator.request(ACCEPT_SESSION, { id: sessionId });
  }

  /**
   * Subscribes to a session's events from `afterSeq`. `handlers.message(message)` gets
   * `{ seq, clientMessageId, senderRole }`, `handlers.position(position)`, `handlers.error(error)`.
   */
  subscribe(connection, sessionId, afterSeq, handlers) {
    return connection.client.subscribe(
      { query: SESSION_EVENTS, variables: { sessionId, afterSeq } },
      {
        next: (result) => {
          if (result.errors?.length) return handlers.error(new Error(result.errors[0].message));
          const event = result.data.sessionEvents;
          if (event.__typename === 'MessageCreated') handlers.message(event.message);
          else if (event.__typename === 'QueuePositionChanged') handlers.position?.(event.position);
        },
        error: (error) => handlers.error(error instanceof Error ? error : new Error(JSON.stringify(error))),
        complete: () => {},
      },
    );
  }

  async send(connection, sessionId, content, clientMessageId) {
    await connection.request(SEND_MESSAGE, { input: { sessionId, content, clientMessageId } });
  }
}
