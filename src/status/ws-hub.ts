// The status port's WebSocket clients: a snapshot on connect, throttled pushes on every hub change,
// readings for subscribers, and the limits that keep one bad client from hurting the agent.
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { RawData, WebSocket, WebSocketServer } from 'ws';
import type { StatusHub } from './status-hub.js';
import type { StatusReading } from './status-types.js';
import { parseClientMessage, type ClientCommand, type PageOutputCommands, type ServerMessage } from './ws-protocol.js';

/** Incoming messages are tiny commands; anything bigger closes that client (1009). */
export const maxPayloadBytes = 4 * 1024;
/** A client that lets this much pile up unread is cut off: we never queue without bound. */
export const maxBufferedBytes = 1024 * 1024;
/**
 * What all clients together may let pile up: with many clients each gets a share, down to a floor.
 * Small messages cost about three times their size in memory while queued (a frame header and a
 * write request each), so 8 MB queued is about 25 MB resident at worst. Up to 8 clients each get
 * the full maxBufferedBytes; 200 clients get 40 KB each (the page's history snapshot is sent
 * before any limit applies).
 */
export const maxBufferedBytesTotal = 8 * 1024 * 1024;
const minBufferedBytesPerClient = 32 * 1024;
/** Bad messages logged per client; after that they are still answered, not logged. */
const loggedBadMessages = 5;
/** How long stop() waits for clients to answer the close before cutting them. */
const closeGraceMs = 1_000;

export interface WsHubOptions {
  hub: StatusHub;
  log: Logger;
  maxClients: number;
  pushIntervalMs: number;
  pingIntervalMs: number;
  /** Output commands from the page; absent: the agent has none. */
  outputs?: PageOutputCommands;
  /**
   * Whether clients may switch outputs: only with status.token set (the upgrade then checked the
   * token and the Origin). Without a token the socket is read-only, for every client.
   */
  writable: boolean;
}

interface Client {
  id: number;
  socket: WebSocket;
  remote: string | undefined;
  /** Answered the last ping. */
  alive: boolean;
  readings: boolean;
  badMessages: number;
  /** The TCP socket under `socket`: held (corked) while a burst of readings is queued to it. */
  raw: Duplex;
  held: boolean;
}

/**
 * ws is loaded at the first upgrade, not at start: with the https, tls and zlib modules it pulls in
 * it was ~8 ms and ~1 MB of every start, for a page a technician opens now and then.
 */
function loadWebSocketServer(): Promise<WebSocketServer> {
  return import('ws').then(({ WebSocketServer: Server }) => new Server({ noServer: true, maxPayload: maxPayloadBytes, clientTracking: false }));
}

export class WsHub {
  private server: WebSocketServer | null = null;
  private loading: Promise<WebSocketServer> | null = null;
  private readonly clients = new Set<Client>();
  private readonly pingTimer: NodeJS.Timeout;
  private pushTimer: NodeJS.Timeout | null = null;
  private changedSincePush = false;
  private nextId = 1;
  private closed = false;
  /** Clients whose socket writes are held until the end of this event-loop turn. */
  private readonly held: Client[] = [];

  constructor(private readonly options: WsHubOptions) {
    options.hub.on('change', this.onChange);
    options.hub.on('reading', this.onReading);
    this.pingTimer = setInterval(() => this.pingAll(), options.pingIntervalMs).unref();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Completes an upgrade the server already vetted (path, token, Origin); enforces the client cap. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.closed) return rejectUpgrade(socket, 503, 'status server is stopping');
    if (this.server === null) {
      // Checked again once ws is loaded, synchronously with the handshake, so the cap still holds.
      this.loading ??= loadWebSocketServer().then((server) => (this.server = server));
      this.loading.then(
        () => this.handleUpgrade(request, socket, head),
        (error: unknown) => {
          this.options.log.error({ err: (error as Error).message }, 'status WebSocket server could not be loaded');
          rejectUpgrade(socket, 500, 'WebSocket server unavailable');
        },
      );
      return;
    }
    if (this.clients.size >= this.options.maxClients) {
      this.options.log.warn({ remote: request.socket.remoteAddress, maxClients: this.options.maxClients }, 'status client refused: too many clients');
      return rejectUpgrade(socket, 503, 'too many status clients');
    }
    // Without verifyClient, ws completes the handshake synchronously, so the cap cannot be raced.
    this.server.handleUpgrade(request, socket, head, (ws) => this.add(ws, request, socket));
  }

  /** Closes every client with 1001 (going away), waits briefly for them, then cuts the rest. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.options.hub.off('change', this.onChange);
    this.options.hub.off('reading', this.onReading);
    clearInterval(this.pingTimer);
    if (this.pushTimer !== null) clearTimeout(this.pushTimer);
    await Promise.all([...this.clients].map((client) => closeClient(client.socket)));
    this.server?.close();
  }

  private add(socket: WebSocket, request: IncomingMessage, raw: Duplex): void {
    const client: Client = { id: this.nextId++, socket, remote: request.socket.remoteAddress, alive: true, readings: false, badMessages: 0, raw, held: false };
    this.clients.add(client);
    this.options.log.debug({ client: client.id, remote: client.remote }, 'status client connected');
    socket.on('pong', () => (client.alive = true));
    socket.on('message', (data, isBinary) => this.onMessage(client, data, isBinary));
    // ws reports protocol violations (oversized or malformed frames) here, then closes that client.
    socket.on('error', (error) => this.options.log.warn({ client: client.id, remote: client.remote, err: error.message }, 'status client error'));
    socket.on('close', (code) => {
      this.clients.delete(client);
      this.options.log.debug({ client: client.id, code }, 'status client disconnected');
    });
    this.send(client, serialize({ type: 'status', data: this.options.hub.snapshot() }));
    this.send(client, serialize({ type: 'history', data: this.options.hub.historySnapshot() }));
  }

  /** Throttle with leading and trailing edge: at most one push per interval, the last change always sent. */
  private readonly onChange = (): void => {
    this.changedSincePush = true;
    if (this.pushTimer === null) this.pushNow();
  };

  private pushNow(): void {
    this.changedSincePush = false;
    if (this.clients.size === 0) return;
    const text = serialize({ type: 'status', data: this.options.hub.snapshot() });
    for (const client of this.clients) this.send(client, text);
    this.pushTimer = setTimeout(() => {
      this.pushTimer = null;
      if (this.changedSincePush) this.pushNow();
    }, this.options.pushIntervalMs).unref();
  }

  /**
   * Every reading goes to every subscriber, and readings come in bursts (a sensor's batch in one
   * turn): encoded once, and written once per client per turn, not once per reading. Without that,
   * 200 subscribers at 1,000 readings/s cost 200,000 socket writes a second and starve the publisher.
   */
  private readonly onReading = (reading: StatusReading): void => {
    let data: Buffer | undefined;
    for (const client of this.clients) {
      if (!client.readings) continue;
      data ??= Buffer.from(serialize({ type: 'reading', data: reading }));
      this.holdWrites(client);
      this.send(client, data);
    }
  };

  private holdWrites(client: Client): void {
    if (client.held) return;
    client.held = true;
    client.raw.cork();
    if (this.held.push(client) === 1) setImmediate(this.releaseWrites);
  }

  private readonly releaseWrites = (): void => {
    for (const client of this.held.splice(0)) {
      client.held = false;
      client.raw.uncork();
    }
  };

  private onMessage(client: Client, data: RawData, isBinary: boolean): void {
    const result = parseClientMessage(isBinary ? null : rawText(data));
    if (!result.ok) {
      client.badMessages += 1;
      if (client.badMessages <= loggedBadMessages) {
        const last = client.badMessages === loggedBadMessages ? ' (further bad messages from this client are not logged)' : '';
        this.options.log.warn({ client: client.id, remote: client.remote, reason: result.error }, `bad status client message${last}`);
      }
      this.send(client, serialize({ type: 'error', error: result.error }));
      return;
    }
    const command = result.command;
    if (command.kind === 'output') return this.onOutputCommand(client, command);
    client.readings = command.kind === 'subscribe';
    this.send(client, serialize({ type: command.kind === 'subscribe' ? 'subscribed' : 'unsubscribed', topic: command.topic }));
  }

  private onOutputCommand(client: Client, command: Extract<ClientCommand, { kind: 'output' }>): void {
    const { outputs, writable } = this.options;
    const remote = client.remote ?? 'unknown';
    const answer = (ok: boolean, state?: 0 | 1 | null, error?: string): void =>
      this.send(client, serialize({ type: 'output', output: command.output, ok, ...(state !== undefined ? { state } : {}), ...(error !== undefined ? { error } : {}) }));
    if (outputs === undefined) return answer(false, undefined, 'this agent has no outputs');
    if (!writable) {
      const detail = 'the status page is read-only (set status.token to switch outputs from it)';
      outputs.refuse(command.output, remote, detail);
      return answer(false, undefined, detail);
    }
    void outputs.command(command, remote).then((result) => (result.ok ? answer(true, result.state) : answer(false, undefined, result.detail)));
  }

  private send(client: Client, text: string | Buffer): void {
    const { socket } = client;
    if (socket.readyState !== socket.OPEN) return;
    const limit = Math.max(minBufferedBytesPerClient, Math.min(maxBufferedBytes, maxBufferedBytesTotal / this.clients.size));
    if (socket.bufferedAmount > limit) {
      this.options.log.warn({ client: client.id, remote: client.remote, bufferedBytes: socket.bufferedAmount }, 'status client is not reading; disconnected');
      socket.terminate();
      return;
    }
    socket.send(text, { binary: false });
  }

  /** A peer that did not answer the previous ping is gone (cable pulled, laptop asleep): cut it. */
  private pingAll(): void {
    for (const client of this.clients) {
      if (!client.alive) {
        this.options.log.info({ client: client.id, remote: client.remote }, 'status client did not answer ping; disconnected');
        client.socket.terminate();
        continue;
      }
      client.alive = false;
      client.socket.ping();
    }
  }
}

/** Refuses an upgrade with a plain HTTP answer; the body never echoes the request. */
export function rejectUpgrade(socket: Duplex, status: number, message: string): void {
  socket.on('error', () => undefined); // the peer may already be gone; nothing to do about it
  if (!socket.writable) return void socket.destroy();
  const body = JSON.stringify({ error: message });
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function serialize(message: ServerMessage): string {
  return JSON.stringify(message);
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

function closeClient(socket: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.readyState === socket.CLOSED) return resolve();
    const cut = setTimeout(() => socket.terminate(), closeGraceMs).unref();
    socket.once('close', () => {
      clearTimeout(cut);
      resolve();
    });
    socket.close(1001, 'status server stopping');
  });
}
