import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/**
 * Makes every write to `socket` within one tick of the event loop go out in a single system call:
 * the first write of a tick corks the socket, and it is uncorked on `process.nextTick`. A chat message
 * makes several WebSocket frames for the same socket in one tick (the mutation's `next` and `complete`,
 * an operator's events of many sessions), and on small machines each `write` system call costs more
 * than building the frame. Nothing is delayed beyond the current tick; order is kept.
 */
export function coalesceWrites(socket: Socket): void {
  const write = socket.write.bind(socket);
  let corked = false;
  const uncork = () => {
    corked = false;
    if (!socket.destroyed) socket.uncork();
  };
  socket.write = ((...args: Parameters<Socket['write']>): boolean => {
    if (!corked && !socket.destroyed) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    return (write as (...a: Parameters<Socket['write']>) => boolean)(...args);
  }) as Socket['write'];
}

/** Applies {@link coalesceWrites} to every connection the HTTP server accepts (HTTP and WebSocket alike). */
export function coalesceServerWrites(server: Server): void {
  server.on('connection', coalesceWrites);
}

/** While a WebSocket has less than this many bytes waiting to be written, its sends are acknowledged at once. */
export const EARLY_ACK_LIMIT_BYTES = 64 * 1024;

type SendCallback = (error?: Error) => void;

/**
 * Acknowledges `ws.send(data, callback)` at once (in a microtask, before this tick's writes are
 * flushed) while the socket has less than {@link EARLY_ACK_LIMIT_BYTES} waiting to be written.
 * graphql-ws waits for each frame's callback before it sends the next frame of the same operation (a
 * mutation's `next`, then its `complete`); answered only after the write, every such frame costs a
 * system call of its own. A reader that falls behind (64 KB or more buffered) gets its callbacks after
 * the write again, so a slow client still holds its operations back. A write error after an early
 * acknowledgement is not lost: it closes the socket, and graphql-ws ends every operation of a closed
 * socket.
 */
export function acknowledgeSendsEarly(ws: WebSocket): void {
  const send = ws.send.bind(ws) as (data: unknown, options: object | undefined, callback?: SendCallback) => void;
  ws.send = ((data: unknown, optionsOrCallback?: object | SendCallback, maybeCallback?: SendCallback): void => {
    const callback = typeof optionsOrCallback === 'function' ? (optionsOrCallback as SendCallback) : maybeCallback;
    const options = typeof optionsOrCallback === 'function' ? undefined : optionsOrCallback;
    if (!callback || ws.bufferedAmount >= EARLY_ACK_LIMIT_BYTES) return send(data, options, callback);
    send(data, options, undefined);
    queueMicrotask(() => callback());
  }) as WebSocket['send'];
}
