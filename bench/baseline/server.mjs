// The baseline: a minimal chat server of the classic design Parley replaces, written as such servers
// usually are. Socket.IO rooms per chat session, events `message:send` (client → server, acknowledged)
// and `message:new` (server → room), each message INSERTed into PostgreSQL before it is emitted, and
// fan-out between instances by @socket.io/redis-adapter. It does less per message than Parley: no GraphQL,
// no per-session seq, no idempotency, an in-memory room check instead of a database authorization check.
//
// Env: PORT, DATABASE_URL, REDIS_URL, REDIS_PREFIX (adapter key), JWT_SECRET (same as the generator's).
import { createAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import pg from 'pg';
import { Server } from 'socket.io';
import { signToken, verifyToken } from '../lib/jwt.mjs';

const env = process.env;
const secret = env.JWT_SECRET;
if (!secret) throw new Error('JWT_SECRET is required');

const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 10 });
await pool.query(`
  CREATE TABLE IF NOT EXISTS visitor (id uuid PRIMARY KEY, name text, created_at timestamptz NOT NULL DEFAULT now());
  CREATE TABLE IF NOT EXISTS chat_session (
    id uuid PRIMARY KEY, visitor_id uuid NOT NULL REFERENCES visitor (id), operator_id uuid,
    status text NOT NULL DEFAULT 'WAITING', queued_at timestamptz NOT NULL DEFAULT now(), accepted_at timestamptz);
  CREATE INDEX IF NOT EXISTS chat_session_waiting ON chat_session (queued_at, id) WHERE status = 'WAITING';
  CREATE TABLE IF NOT EXISTS message (
    id bigserial PRIMARY KEY, session_id uuid NOT NULL REFERENCES chat_session (id), sender_role text NOT NULL,
    content text NOT NULL, client_message_id text, sent_at timestamptz NOT NULL DEFAULT now());
  CREATE INDEX IF NOT EXISTS message_session ON message (session_id, id);`);

const room = (sessionId) => `session:${sessionId}`;

const server = http.createServer(async (req, res) => {
  try {
    if (req.method === 'GET' && req.url === '/healthz') return void res.end('ok');
    if (req.method === 'POST' && req.url === '/visitors') {
      const id = randomUUID();
      await pool.query('INSERT INTO visitor (id, name) VALUES ($1, $2)', [id, 'Visitor']);
      res.setHeader('content-type', 'application/json');
      return void res.end(JSON.stringify({ id, token: signToken(secret, id, 'v') }));
    }
    res.statusCode = 404;
    res.end();
  } catch (error) {
    res.statusCode = 500;
    res.end(String(error));
  }
});

const pub = new Redis(env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const sub = pub.duplicate();
const io = new Server(server, {
  transports: ['websocket'],
  adapter: createAdapter(pub, sub, { key: `${env.REDIS_PREFIX ?? 'baseline'}:socket.io` }),
});

io.use((socket, next) => {
  const claims = verifyToken(secret, socket.handshake.auth?.token);
  if (!claims) return next(new Error('unauthorized'));
  socket.data.user = { id: claims.sub, role: claims.typ === 'o' ? 'OPERATOR' : 'VISITOR' };
  next();
});

/** Every waiting visitor gets its place: the classic broadcast after each change of the queue. */
async function broadcastQueue() {
  const { rows } = await pool.query(`SELECT id FROM chat_session WHERE status = 'WAITING' ORDER BY queued_at, id`);
  rows.forEach((row, index) => io.to(room(row.id)).emit('queue:position', { sessionId: row.id, position: index + 1 }));
}

const fail = (ack, error) => typeof ack === 'function' && ack({ error: String(error?.message ?? error) });

io.on('connection', (socket) => {
  const user = socket.data.user;

  // Which instance this socket landed on (the benchmark's two-instance scenario checks the split).
  socket.on('whoami', (_input, ack) => ack({ instance: `127.0.0.1:${server.address().port}` }));

  socket.on('session:start', async (_input, ack) => {
    try {
      if (user.role !== 'VISITOR') return ack({ error: 'FORBIDDEN' });
      const id = randomUUID();
      await pool.query('INSERT INTO chat_session (id, visitor_id) VALUES ($1, $2)', [id, user.id]);
      socket.join(room(id));
      const { rows } = await pool.query(
        `SELECT count(*)::int AS position FROM chat_session WHERE status = 'WAITING'
         AND (queued_at, id) <= (SELECT queued_at, id FROM chat_session WHERE id = $1)`,
        [id],
      );
      ack({ id, position: rows[0].position });
      await broadcastQueue();
    } catch (error) {
      fail(ack, error);
    }
  });

  // A widget (re)opening: join the room, get the history after the last message it has.
  socket.on('session:join', async ({ sessionId, afterId }, ack) => {
    try {
      const { rows } = await pool.query('SELECT visitor_id, operator_id FROM chat_session WHERE id = $1', [sessionId]);
      const session = rows[0];
      if (!session) return ack({ error: 'NOT_FOUND' });
      if (user.role === 'VISITOR' && session.visitor_id !== user.id) return ack({ error: 'FORBIDDEN' });
      socket.join(room(sessionId));
      const history = await pool.query('SELECT * FROM message WHERE session_id = $1 AND id > $2 ORDER BY id LIMIT 200', [
        sessionId,
        afterId ?? 0,
      ]);
      ack({ messages: history.rows });
    } catch (error) {
      fail(ack, error);
    }
  });

  socket.on('session:accept', async ({ sessionId }, ack) => {
    try {
      if (user.role !== 'OPERATOR') return ack({ error: 'FORBIDDEN' });
      const { rowCount } = await pool.query(
        `UPDATE chat_session SET status = 'ACTIVE', operator_id = $1, accepted_at = now() WHERE id = $2 AND status = 'WAITING'`,
        [user.id, sessionId],
      );
      if (rowCount === 0) return ack({ error: 'SESSION_ALREADY_TAKEN' });
      socket.join(room(sessionId));
      ack({ ok: true });
      await broadcastQueue();
    } catch (error) {
      fail(ack, error);
    }
  });

  socket.on('message:send', async ({ sessionId, content, clientMessageId }, ack) => {
    try {
      if (!socket.rooms.has(room(sessionId))) return ack({ error: 'FORBIDDEN' });
      const { rows } = await pool.query(
        `INSERT INTO message (session_id, sender_role, content, client_message_id) VALUES ($1, $2, $3, $4)
         RETURNING id, session_id, sender_role, content, client_message_id, sent_at`,
        [sessionId, user.role, content, clientMessageId],
      );
      const message = rows[0];
      io.to(room(sessionId)).emit('message:new', message);
      ack({ message });
    } catch (error) {
      fail(ack, error);
    }
  });
});

server.listen(Number(env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`baseline listening on ${server.address().port}\n`);
});

process.on('SIGTERM', () => {
  io.close();
  server.close();
  void Promise.allSettled([pool.end(), pub.quit(), sub.quit()]).then(() => process.exit(0));
});
