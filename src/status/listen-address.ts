// Parses the status port's `listen` option ("host:port", "[::1]:0", ":8080") and names its errors.

import type { ErrorCodeOf } from '../errors/catalogue.js';


export class StatusError extends Error {
  constructor(
    readonly code: ErrorCodeOf<'status'>,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'StatusError';
  }
}

export interface ListenAddress {
  host: string;
  port: number;
}

/** `":8080"` listens on all IPv4 interfaces; IPv6 hosts go in brackets: `"[::]:8080"`. */
export function parseListen(listen: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(listen.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || !Number.isInteger(port) || port > 65_535) {
    throw new StatusError(
      'STATUS_LISTEN_INVALID',
      `status listen address '${listen}' is not "host:port" (examples: "0.0.0.0:8080", "[::1]:8080", ":8080")`,
    );
  }
  const host = match[1] ?? (match[2] || '0.0.0.0');
  return { host, port };
}

export function formatAddress({ host, port }: ListenAddress): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Turns a listen failure into a message a technician can act on. */
export function listenError(error: NodeJS.ErrnoException, address: ListenAddress): StatusError {
  const where = formatAddress(address);
  switch (error.code) {
    case 'EADDRINUSE':
      return new StatusError('STATUS_PORT_IN_USE', `status port ${where} is already in use (another agent running? change 'status.listen')`);
    case 'EACCES':
      return new StatusError('STATUS_PORT_DENIED', `not allowed to listen on ${where} (ports below 1024 need root or CAP_NET_BIND_SERVICE)`);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new StatusError('STATUS_ADDRESS_UNAVAILABLE', `cannot listen on ${where}: no such address on this machine`);
    default:
      return new StatusError('STATUS_LISTEN_FAILED', `cannot listen on ${where}: ${error.message}`);
  }
}
