// Errors the buffer throws, with codes a technician (and the composition root) can act on.

import type { ErrorCodeOf } from '../errors/catalogue.js';


export type BufferErrorCode = ErrorCodeOf<'buffer'>;

export class BufferError extends Error {
  readonly code: BufferErrorCode;

  constructor(code: BufferErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = 'BufferError';
    this.code = code;
  }
}

/** The `code` of an error or of its cause (abstract-level wraps open errors in LEVEL_DATABASE_NOT_OPEN). */
export function levelErrorCode(error: unknown): string | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'LEVEL_DATABASE_NOT_OPEN') return code;
  }
  return undefined;
}

export function errorMessage(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e instanceof Error; e = e.cause) parts.push(e.message);
  return parts.length > 0 ? parts.join(': ') : String(error);
}
