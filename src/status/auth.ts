// Who may talk to the status port: the optional bearer token and the WebSocket Origin check.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * True when no token is configured, or the request carries it as `Authorization: Bearer <token>`
 * or `?token=<token>` (browsers cannot set headers on a WebSocket, hence the query form).
 */
export function isAuthorized(token: string | undefined, headers: IncomingHttpHeaders, url: URL): boolean {
  if (token === undefined) return true;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '')?.[1];
  const offered = bearer ?? url.searchParams.get('token');
  return offered !== null && sameSecret(offered, token);
}

/** Constant-time, also in the length: both sides are hashed to 32 bytes first. */
function sameSecret(offered: string, expected: string): boolean {
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(offered), digest(expected));
}

/**
 * A browser page from another site must not read the agent's state through a visitor's browser
 * (cross-site WebSocket hijacking): when an Origin is present its host must equal the Host header.
 * Clients that send no Origin (scripts, curl, other daemons) are not browsers and pass.
 */
export function originAllowed(headers: IncomingHttpHeaders): boolean {
  const origin = headers.origin;
  if (origin === undefined) return true;
  const host = headers.host;
  if (host === undefined) return false;
  try {
    return new URL(origin).host.toLowerCase() === new URL(`http://${host}`).host.toLowerCase();
  } catch {
    return false;
  }
}
