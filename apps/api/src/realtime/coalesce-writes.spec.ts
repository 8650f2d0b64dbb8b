import net from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { acknowledgeSendsEarly, coalesceWrites, EARLY_ACK_LIMIT_BYTES } from './coalesce-writes';

describe('coalesceWrites', () => {
  it('holds the writes of one tick back until the tick ends, then sends them in order', async () => {
    const received: Buffer[] = [];
    const server = net.createServer((socket) => socket.on('data', (chunk) => received.push(chunk)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    await new Promise((resolve) => client.once('connect', resolve));
    try {
      coalesceWrites(client);
      client.write('one,');
      client.write('two,');
      client.write(Buffer.from('three'));
      expect(client.writableCorked).toBe(1); // nothing has left yet
      await new Promise((resolve) => process.nextTick(resolve));
      expect(client.writableCorked).toBe(0);
      for (let i = 0; i < 100 && Buffer.concat(received).length < 13; i++) await new Promise((r) => setTimeout(r, 10));
      expect(Buffer.concat(received).toString()).toBe('one,two,three');
      // The next tick corks afresh.
      client.write('!');
      expect(client.writableCorked).toBe(1);
    } finally {
      client.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('acknowledgeSendsEarly', () => {
  let wss: WebSocketServer;
  let client: WebSocket;
  let serverSide: WebSocket;
  const received: string[] = [];

  beforeEach(async () => {
    received.length = 0;
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((resolve) => wss.once('listening', resolve));
    const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
    client = new WebSocket(`ws://127.0.0.1:${(wss.address() as net.AddressInfo).port}`);
    client.on('message', (data: Buffer) => received.push(data.toString('utf8')));
    serverSide = await accepted;
    await new Promise((resolve) => (client.readyState === WebSocket.OPEN ? resolve(null) : client.once('open', resolve)));
    acknowledgeSendsEarly(serverSide);
  });

  afterEach(async () => {
    client.terminate();
    await new Promise((resolve) => wss.close(resolve));
  });

  it('calls back before the tick ends, so a frame sent from the callback leaves with the first', async () => {
    const order: string[] = [];
    serverSide.send('next', () => {
      order.push('acknowledged');
      serverSide.send('complete', () => order.push('complete acknowledged'));
    });
    await Promise.resolve();
    await Promise.resolve();
    expect(order).toEqual(['acknowledged', 'complete acknowledged']); // no write has completed yet
    for (let i = 0; i < 100 && received.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(received).toEqual(['next', 'complete']);
  });

  it('waits for the write again once a slow reader has 64 KB or more waiting', async () => {
    client.pause(); // the reader stops reading
    const chunk = 'x'.repeat(256 * 1024);
    for (let i = 0; i < 200 && serverSide.bufferedAmount < EARLY_ACK_LIMIT_BYTES; i++) {
      serverSide.send(chunk);
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(serverSide.bufferedAmount).toBeGreaterThanOrEqual(EARLY_ACK_LIMIT_BYTES);
    let acknowledged = false;
    serverSide.send('late', () => (acknowledged = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(acknowledged).toBe(false);
    client.resume();
    for (let i = 0; i < 500 && !acknowledged; i++) await new Promise((r) => setTimeout(r, 10));
    expect(acknowledged).toBe(true);
  });
});
