// A TCP proxy between the agent and the broker that a test can cut, black-hole and restore:
// the network faults of the field (cable pulled, NAT timeout, broker host frozen) on loopback.
import { createServer, connect, type Server, type Socket } from 'node:net';

export type LinkState = 'up' | 'cut' | 'blackhole';

export interface TcpProxy {
  port: number;
  url: string;
  /** Bytes forwarded from client to broker, and back. */
  bytesUp: number;
  bytesDown: number;
  connections: number;
  /** Destroys every open connection and refuses new ones until restore(). */
  cut(): void;
  /** Keeps sockets open but forwards nothing in either direction (a peer that stopped answering). */
  blackhole(): void;
  restore(): void;
  stop(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let state: LinkState = 'up';
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  const proxy: Partial<TcpProxy> & { bytesUp: number; bytesDown: number; connections: number } = {
    bytesUp: 0,
    bytesDown: 0,
    connections: 0,
  };

  const server: Server = createServer((client) => {
    if (state === 'cut') {
      client.destroy();
      return;
    }
    proxy.connections += 1;
    const upstream = connect(targetPort, targetHost);
    const pair = { client, upstream };
    pairs.add(pair);
    const close = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      if (state !== 'up') return;
      proxy.bytesUp += chunk.length;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (state !== 'up') return;
      proxy.bytesDown += chunk.length;
      client.write(chunk);
    });
    client.on('close', close);
    upstream.on('close', close);
    client.on('error', close);
    upstream.on('error', close);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('proxy: no address');

  const destroyAll = (): void => {
    for (const { client, upstream } of pairs) {
      client.destroy();
      upstream.destroy();
    }
    pairs.clear();
  };

  return Object.assign(proxy, {
    port: address.port,
    url: `mqtt://127.0.0.1:${address.port}`,
    cut: () => {
      state = 'cut';
      destroyAll();
    },
    blackhole: () => {
      state = 'blackhole';
    },
    restore: () => {
      // A black-holed connection stays dead: real middleboxes lose that state too.
      if (state === 'blackhole') destroyAll();
      state = 'up';
    },
    stop: async () => {
      destroyAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  }) as TcpProxy;
}
