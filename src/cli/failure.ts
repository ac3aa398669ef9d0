// How a failed command is reported: a known failure (an error with a code such as BUFFER_LOCKED
// or STATUS_PORT_IN_USE, whose message already says what to do) is one line; its stack trace,
// from the minified bundle, helps no technician and is shown only at log.level debug or trace.
// Anything else is a bug: its stack is printed so it can be reported.

const KNOWN_CODE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;

/** True for our own coded errors (BufferError, StatusError, SensorError, GpioError, ...). */
export function isKnownFailure(error: unknown): error is Error & { code: string } {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && KNOWN_CODE.test(code) && error.message.startsWith(`${code}: `);
}

/** What to write on stderr for `error`, ending in a newline. */
export function describeFailure(error: unknown, withStack: boolean): string {
  if (isKnownFailure(error)) return `sensor-agent: ${error.message}\n${withStack && error.stack ? `${error.stack}\n` : ''}`;
  return `sensor-agent: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`;
}

export function wantsStack(level: string): boolean {
  return level === 'debug' || level === 'trace';
}
