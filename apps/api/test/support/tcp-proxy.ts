import { createServer, Server, Socket, connect } from 'node:net';

/**
 * A TCP proxy in front of a server on 127.0.0.1 (an API, Redis) whose connections a test can cut at any
 * moment, like a network drop: both sides are destroyed at once, no WebSocket close frame, no HTTP
 * response; or leave hanging, like a server that stopped answering or a network partition.
 */
export interface CuttableProxy {
  /** Port clients connect to. */
  port: number;
  /** Connections currently open through the proxy. */
  open(): number;
  /** Destroys every open connection now. Returns how many were cut. */
  cut(): number;
  /**
   * Arms a cut on the next server → client chunk containing `marker` (server frames are not masked, so
   * the text is visible): that chunk is dropped and the connection destroyed. The server has done the
   * work; the client never hears of it. Resolves with the dropped text, or undefined when disarmed after
   * `timeoutMs`.
   */
  cutOnResponse(marker: string, timeoutMs: number): Promise<string | undefined>;
  /**
   * From now on forwards nothing either way and closes nothing, like a server that stopped answering or a
   * network partition: what is sent through the proxy, on open connections and new ones, is held, and
   * neither side hears of a problem.
   */
  hang(): void;
  /** Ends a {@link hang}: what was held is delivered, in order, as TCP would once the path is back. */
  resume(): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  /** What a hang holds, each chunk with the socket it is for. */
  held: Array<[Socket, Buffer]>;
}

/** Starts a proxy on a free port forwarding to `127.0.0.1:<targetPort>`. */
export async function startCuttableProxy(targetPort: number): Promise<CuttableProxy> {
  const pairs = new Set<Pair>();
  let armed: { marker: string; fire: (dropped: string) => void } | undefined;
  let hung = false;

  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    const pair: Pair = { client, upstream, held: [] };
    pairs.add(pair);
    const destroy = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', destroy).on('close', destroy);
    upstream.on('error', destroy).on('close', destroy);
    client.on('data', (chunk: Buffer) => {
      if (hung) pair.held.push([upstream, chunk]);
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (hung) {
        pair.held.push([client, chunk]);
        return;
      }
      if (armed && chunk.includes(armed.marker)) {
        const { fire } = armed;
        armed = undefined;
        destroy();
        fire(chunk.toString());
        return;
      }
      client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  const cut = () => {
    const count = pairs.size;
    for (const { client, upstream } of [...pairs]) {
      client.destroy();
      upstream.destroy();
    }
    pairs.clear();
    return count;
  };

  return {
    port,
    open: () => pairs.size,
    cut,
    hang: () => {
      hung = true;
    },
    resume: () => {
      hung = false;
      for (const pair of pairs) for (const [socket, chunk] of pair.held.splice(0)) socket.write(chunk);
    },
    cutOnResponse: (marker, timeoutMs) =>
      new Promise((resolve) => {
        const timer = setTimeout(() => {
          if (armed?.marker === marker) armed = undefined;
          resolve(undefined);
        }, timeoutMs);
        armed = {
          marker,
          fire: (dropped) => {
            clearTimeout(timer);
            resolve(dropped);
          },
        };
      }),
    close: () =>
      new Promise((resolve) => {
        cut();
        server.close(() => resolve());
      }),
  };
}
