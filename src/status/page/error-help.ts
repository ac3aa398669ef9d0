// What a technician should do about a coded error the page shows ("GPIO_BUSY: ..."), from the
// error catalogue, so the page says the same as the README's error section.
import { canonicalCode, codeOfMessage, ERROR_CATALOGUE, type ErrorCode } from '../../errors/catalogue.js';

export interface ErrorHelp {
  code: ErrorCode;
  action: string;
}

/** The code an error message starts with (or a bare code, as a health message gives) and what to do about it; undefined for an uncoded message. */
export function errorHelp(message: string | null): ErrorHelp | undefined {
  const code = message === null ? undefined : (codeOfMessage(message) ?? (/^[A-Z][A-Z0-9_]*$/.test(message) ? canonicalCode(message) : undefined));
  return code === undefined ? undefined : { code, action: ERROR_CATALOGUE[code].action };
}
