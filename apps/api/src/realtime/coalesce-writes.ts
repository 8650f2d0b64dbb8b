import type { Server } from 'node:http';
import type { Socket } from 'node:net';

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
