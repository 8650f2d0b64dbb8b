import net from 'node:net';
import { coalesceWrites } from './coalesce-writes';

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
