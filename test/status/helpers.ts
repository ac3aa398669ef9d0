// Shared by the status tests: a hub over settable buffer figures, a real server on an ephemeral
// port, a WebSocket client that queues messages, and a log that can be awaited.
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import WebSocket, { type ClientOptions } from 'ws';
import type { BufferStats } from '../../src/buffer/types.js';
import { StatusHub, type StatusHubInit } from '../../src/status/status-hub.js';
import { StatusServer, type StatusServerOptions } from '../../src/status/status-server.js';
import type { ServerMessage } from '../../src/status/ws-protocol.js';

/** Bounds every wait, so a missing event fails with a message instead of the suite timeout. */
const waitLimitMs = 5_000;

export function bufferStats(overrides: Partial<BufferStats> = {}): BufferStats {
  return { backlog: 0, bytes: 0, lastSeq: 0, epoch: 0, dropped: 0, droppedHigh: 0, highBacklog: 0, oldestTs: null, maxBytes: 64 * 1024 * 1024, writeFailing: false, recoveredFrom: null, syncs: 0, ...overrides };
}

/** A pino logger whose lines the test can inspect and wait for. */
export class CapturedLog {
  readonly lines: Array<{ level: number; msg: string } & Record<string, unknown>> = [];
  private waiters: Array<() => void> = [];
  readonly logger: Logger = pino(
    { level: 'debug' },
    new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        this.lines.push(JSON.parse(chunk.toString('utf8')) as CapturedLog['lines'][number]);
        for (const wake of this.waiters.splice(0)) wake();
        done();
      },
    }),
  );

  async waitFor(match: (line: CapturedLog['lines'][number]) => boolean, what: string): Promise<CapturedLog['lines'][number]> {
    return waitUntil(() => this.lines.find(match), (wake) => this.waiters.push(wake), `log line: ${what}`);
  }
}

export interface Harness {
  hub: StatusHub;
  /** Edit to change what bufferStats() returns. */
  buffer: BufferStats;
  server: StatusServer;
  log: CapturedLog;
  http: string;
  ws: string;
  stop(): Promise<void>;
}

/** `hubInit` adds to the hub's options (a clock monitor's `clockStatus`, say). */
export async function startStatus(options: Partial<Omit<StatusServerOptions, 'hub' | 'log'>> = {}, hubInit: Partial<Omit<StatusHubInit, 'bufferStats'>> = {}): Promise<Harness> {
  const buffer = bufferStats();
  const hub = new StatusHub({ device: 'greenhouse-pi', version: '1.2.3', mqttUrl: 'mqtts://agent:s3cret-pass@broker.example:8883', ...hubInit, bufferStats: () => buffer });
  const log = new CapturedLog();
  const server = new StatusServer({ listen: '127.0.0.1:0', pushIntervalMs: 20, ...options, hub, log: log.logger });
  await server.start();
  const { port } = server.address();
  return { hub, buffer, server, log, http: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}/ws`, stop: () => server.stop() };
}

/** A WebSocket client that keeps every message, so tests wait for messages rather than sleep. */
export class TestClient {
  readonly received: ServerMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private cursor = 0;
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      this.received.push(JSON.parse(data.toString('utf8')) as ServerMessage);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static connect(url: string, options: ClientOptions = {}): Promise<TestClient> {
    const socket = new WebSocket(url, options);
    const client = new TestClient(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
    });
  }

  /** The next message (after those already taken) that matches; earlier non-matching ones are skipped. */
  async next<T extends ServerMessage['type']>(type: T, match: (message: Extract<ServerMessage, { type: T }>) => boolean = () => true): Promise<Extract<ServerMessage, { type: T }>> {
    return waitUntil(
      () => {
        for (let index = this.cursor; index < this.received.length; index++) {
          const message = this.received[index] as ServerMessage;
          if (message.type === type && match(message as Extract<ServerMessage, { type: T }>)) {
            this.cursor = index + 1;
            return message as Extract<ServerMessage, { type: T }>;
          }
        }
        return undefined;
      },
      (wake) => this.waiters.push(wake),
      `a '${type}' message`,
    );
  }

  send(text: string | Buffer): void {
    this.socket.send(text);
  }

  async close(): Promise<void> {
    this.socket.close();
    await this.closed;
  }
}

/** Resolves with the error a refused WebSocket connection reports (e.g. "Unexpected server response: 403"). */
export function refusal(url: string, options: ClientOptions = {}): Promise<Error> {
  const socket = new WebSocket(url, options);
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      socket.close();
      reject(new Error('connection was accepted'));
    });
    socket.once('error', resolve);
  });
}

async function waitUntil<T>(check: () => T | undefined, subscribe: (wake: () => void) => void, what: string): Promise<T> {
  const deadline = Date.now() + waitLimitMs;
  for (;;) {
    const found = check();
    if (found !== undefined) return found;
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, remaining);
      subscribe(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
