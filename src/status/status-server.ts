// The status port: one node:http server carrying the HTTP routes and, on /ws, the WebSocket hub.
// Owns the listening socket's lifetime (start/stop); what is served lives in http-routes and ws-hub.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { pino, type Logger } from 'pino';
import { isAuthorized, originAllowed } from './auth.js';
import { createRequestHandler, requestUrl } from './http-routes.js';
import { formatAddress, listenError, parseListen, type ListenAddress } from './listen-address.js';
import type { StatusHub } from './status-hub.js';
import { rejectUpgrade, WsHub } from './ws-hub.js';
import type { PageOutputCommands } from './ws-protocol.js';

export interface StatusServerOptions {
  /** "host:port", "[::1]:0", ":8080"; port 0 picks a free port (see address()). */
  listen: string;
  hub: StatusHub;
  /** When set, every route but /healthz needs `Authorization: Bearer <token>` or `?token=<token>`. */
  token?: string;
  log?: Logger;
  /** WebSocket clients at once; more get HTTP 503. Default 16. */
  maxClients?: number;
  /** At most one status push per this many ms. Default 250. */
  pushIntervalMs?: number;
  /** Ping WebSocket clients this often; those that did not answer the previous ping are cut. Default 30 s. */
  pingIntervalMs?: number;
  /** Output commands from the page (written only when `token` is set). */
  outputs?: PageOutputCommands;
}

export class StatusServer {
  private readonly listenAddress: ListenAddress;
  private readonly log: Logger;
  private readonly server: Server;
  private wsHub: WsHub | null = null;
  private starting: Promise<void> | null = null;
  private state: 'new' | 'starting' | 'listening' | 'stopped' = 'new';

  constructor(private readonly options: StatusServerOptions) {
    this.listenAddress = parseListen(options.listen);
    this.log = options.log ?? pino({ level: 'silent' });
    if (options.token === '') throw new Error('status token must not be empty (leave it unset to disable it)');
    this.server = createServer(createRequestHandler({ hub: options.hub, token: options.token, log: this.log }));
    this.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      try {
        this.onUpgrade(request, socket, head);
      } catch (error) {
        // An emitter listener that throws would take the whole agent down; one client is not worth it.
        this.log.error({ err: error }, 'status upgrade failed');
        socket.destroy();
      }
    });
  }

  start(): Promise<void> {
    if (this.state !== 'new') return Promise.reject(new Error(`status server cannot start: it is ${this.state}`));
    this.state = 'starting';
    this.starting = this.listen();
    return this.starting;
  }

  private async listen(): Promise<void> {
    const { host, port } = this.listenAddress;
    try {
      await new Promise<void>((resolve, reject) => {
        this.server.once('error', reject);
        this.server.listen({ host, port }, () => {
          this.server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      this.state = 'stopped';
      throw listenError(error as NodeJS.ErrnoException, this.listenAddress);
    }
    this.server.on('error', (error) => this.log.error({ err: error }, 'status server error'));
    this.wsHub = new WsHub({
      hub: this.options.hub,
      log: this.log,
      maxClients: this.options.maxClients ?? 16,
      pushIntervalMs: this.options.pushIntervalMs ?? 250,
      pingIntervalMs: this.options.pingIntervalMs ?? 30_000,
      ...(this.options.outputs ? { outputs: this.options.outputs } : {}),
      writable: this.options.token !== undefined,
    });
    this.state = 'listening';
    this.log.debug({ address: formatAddress(this.address()), token: this.options.token !== undefined }, 'status port listening');
  }

  /** The real address after start(); with port 0 this is the port the OS picked. */
  address(): { host: string; port: number } {
    const address = this.server.address() as AddressInfo | string | null;
    if (address === null || typeof address === 'string') throw new Error('status server is not listening');
    return { host: address.address, port: address.port };
  }

  /** Closes WebSocket clients (1001), stops listening, and drops idle keep-alive connections. */
  async stop(): Promise<void> {
    if (this.state === 'starting') await this.starting?.catch(() => undefined);
    if (this.state !== 'listening') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopped';
    await this.wsHub?.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      // A browser's keep-alive connection would hold close() open; an HTTP answer is short, cut them.
      this.server.closeAllConnections();
    });
  }

  /** Only /ws upgrades, and only past the same token rule as HTTP and the Origin check. */
  private onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = requestUrl(request);
    if (this.wsHub === null || this.state !== 'listening') return rejectUpgrade(socket, 503, 'status server is not running');
    if (url === null || url.pathname !== '/ws') return rejectUpgrade(socket, 404, 'not found');
    if (!isAuthorized(this.options.token, request.headers, url)) return rejectUpgrade(socket, 401, 'token required');
    if (!originAllowed(request.headers)) {
      this.log.warn({ remote: request.socket.remoteAddress, origin: request.headers.origin }, 'status client refused: Origin does not match Host');
      return rejectUpgrade(socket, 403, 'origin not allowed');
    }
    this.wsHub.handleUpgrade(request, socket, head);
  }
}
