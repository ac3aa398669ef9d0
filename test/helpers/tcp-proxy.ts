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
  /** Connections refused while cut: connect attempts that found the link down. */
  refused: number;
  /** Destroys every open connection and refuses new ones until restore(). */
  cut(): void;
  /** Keeps sockets open but forwards nothing in either direction (a peer that stopped answering). */
  blackhole(): void;
  restore(): void;
  /**
   * Resets every open connection in the middle of a packet: the next chunk that flows (either way)
   * is forwarded only in part, then both sides get a TCP RST. New connections are accepted as before.
   * Resolves true when a chunk was split, false when nothing flowed within `waitMs` (reset anyway).
   */
  reset(waitMs?: number): Promise<boolean>;
  /** Limits each direction of each connection to `bytesPerSecond` (null: unlimited again). */
  throttle(bytesPerSecond: number | null): void;
  stop(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let state: LinkState = 'up';
  let bytesPerSecond: number | null = null;
  /** Set by reset(): forwards part of the next chunk to `to`, then resets every connection. */
  let pendingReset: ((to: Socket, chunk: Buffer) => void) | null = null;
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  const proxy: Partial<TcpProxy> & { bytesUp: number; bytesDown: number; connections: number; refused: number } = {
    bytesUp: 0,
    bytesDown: 0,
    connections: 0,
    refused: 0,
  };

  const server: Server = createServer((client) => {
    if (state === 'cut') {
      proxy.refused += 1;
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
    const up = throttledWriter(upstream, () => bytesPerSecond, (bytes) => (proxy.bytesUp += bytes));
    const down = throttledWriter(client, () => bytesPerSecond, (bytes) => (proxy.bytesDown += bytes));
    client.on('data', (chunk: Buffer) => {
      if (state !== 'up') return;
      if (pendingReset) return pendingReset(upstream, chunk);
      up(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (state !== 'up') return;
      if (pendingReset) return pendingReset(client, chunk);
      down(chunk);
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
    reset: (waitMs = 1000) =>
      new Promise<boolean>((resolve) => {
        const resetAll = (split: boolean): void => {
          clearTimeout(timer);
          pendingReset = null;
          for (const { client, upstream } of pairs) {
            client.resetAndDestroy();
            upstream.resetAndDestroy();
          }
          pairs.clear();
          resolve(split);
        };
        const timer = setTimeout(() => resetAll(false), waitMs);
        pendingReset = (to, chunk) => {
          // Half a chunk: the broker (or the agent) sees a packet cut off in its middle.
          to.write(chunk.subarray(0, Math.max(1, chunk.length >> 1)), () => resetAll(true));
        };
      }),
    throttle: (limit: number | null) => {
      bytesPerSecond = limit;
    },
    stop: async () => {
      pendingReset = null;
      destroyAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  }) as TcpProxy;
}

/**
 * A writer that forwards at most `limit()` bytes per second (in 50 ms slices), queueing the rest in
 * order; unlimited when `limit()` is null. `count` is called with the bytes actually forwarded.
 */
function throttledWriter(to: Socket, limit: () => number | null, count: (bytes: number) => void): (chunk: Buffer) => void {
  const queue: Buffer[] = [];
  let timer: NodeJS.Timeout | null = null;
  // Token bucket: refilled at `limit()` bytes per second, holding at most 50 ms worth.
  let allowance = 0;
  let refilledAt = Date.now();
  const drain = (): void => {
    timer = null;
    if (to.destroyed) return void queue.splice(0);
    const rate = limit();
    const now = Date.now();
    allowance = rate === null ? Infinity : Math.min(rate / 20, allowance + (rate * (now - refilledAt)) / 1000);
    refilledAt = now;
    while (queue.length > 0 && allowance >= 1) {
      const head = queue[0]!;
      const take = Math.min(head.length, Math.floor(allowance));
      const part = head.subarray(0, take);
      if (take === head.length) queue.shift();
      else queue[0] = head.subarray(take);
      allowance -= take;
      count(take);
      to.write(part);
    }
    if (queue.length > 0) timer = setTimeout(drain, 50);
  };
  return (chunk) => {
    if (limit() === null && queue.length === 0) {
      count(chunk.length);
      to.write(chunk);
      return;
    }
    queue.push(chunk);
    if (!timer) drain();
  };
}
