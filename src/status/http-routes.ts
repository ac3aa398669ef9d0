// The status port's plain HTTP routes: / (the page), /status.json, /history.json, /metrics,
// /healthz. Answers every request itself, so a bad request never reaches the rest of the agent.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { isAuthorized } from './auth.js';
import { createMetrics } from './metrics.js';
import { statusPage } from './page-assets.js';
import type { StatusHub } from './status-hub.js';

export interface RouteOptions {
  hub: StatusHub;
  token?: string;
  log: Logger;
}

type Handler = (response: ServerResponse, request: IncomingMessage) => void | Promise<void>;

/** Parses the request target; null when it cannot be a path on this server. */
export function requestUrl(request: IncomingMessage): URL | null {
  const target = request.url ?? '/';
  if (!target.startsWith('/')) return null;
  try {
    return new URL(target, 'http://status.invalid');
  } catch {
    return null;
  }
}

export function createRequestHandler({ hub, token, log }: RouteOptions): (request: IncomingMessage, response: ServerResponse) => void {
  const metrics = createMetrics(hub);
  const routes = new Map<string, Handler>([
    ['/', (response, request) => sendPage(response, request)],
    ['/status.json', (response) => sendJson(response, 200, hub.snapshot())],
    ['/history.json', (response) => sendJson(response, 200, hub.historySnapshot())],
    ['/metrics', async (response) => send(response, 200, metrics.contentType, await metrics.render())],
    [
      '/healthz',
      (response) => {
        const health = hub.health();
        const body = health.healthy ? { ok: true, ...(health.notes ? { notes: health.notes } : {}) } : { ok: false, reason: health.reason, restartHelps: health.restartHelps ?? true };
        sendJson(response, health.healthy ? 200 : 503, body);
      },
    ],
  ]);

  const fail = (request: IncomingMessage, response: ServerResponse, error: unknown): void => {
    // Not expected (the hub does not throw); answer anyway, and never echo internals.
    // The path only: a query may carry the token.
    log.error({ err: error, path: requestUrl(request)?.pathname }, 'status request failed');
    if (!response.headersSent) sendJson(response, 500, { error: 'internal error' });
    else response.destroy();
  };

  return (request: IncomingMessage, response: ServerResponse): void => {
    try {
      const url = requestUrl(request);
      if (url === null) return sendJson(response, 400, { error: 'bad request target' });
      // /healthz stays open so a watchdog or load balancer needs no secret.
      if (url.pathname !== '/healthz' && !isAuthorized(token, request.headers, url)) {
        return sendJson(response, 401, { error: 'token required' }, { 'WWW-Authenticate': 'Bearer' });
      }
      const route = routes.get(url.pathname);
      if (route === undefined) return sendJson(response, 404, { error: 'not found' });
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        return sendJson(response, 405, { error: 'method not allowed' }, { Allow: 'GET, HEAD' });
      }
      const answered = route(response, request);
      if (answered instanceof Promise) answered.catch((error: unknown) => fail(request, response, error));
    } catch (error) {
      fail(request, response, error);
    }
  };
}

/** The page, gzipped for clients that take it (a phone on weak Wi-Fi gets a quarter of the bytes). */
async function sendPage(response: ServerResponse, request: IncomingMessage): Promise<void> {
  const page = await statusPage();
  const gzip = /\bgzip\b/i.test(String(request.headers['accept-encoding'] ?? ''));
  send(response, page.status, 'text/html; charset=utf-8', gzip ? page.gzipped : page.html, {
    'Content-Security-Policy': page.csp,
    'Referrer-Policy': 'no-referrer',
    Vary: 'Accept-Encoding',
    ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  send(response, status, 'application/json; charset=utf-8', JSON.stringify(body), headers);
}

function send(response: ServerResponse, status: number, contentType: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  response.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    // Every answer is the state of this moment: never cache it, never sniff it.
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  response.end(body);
}
