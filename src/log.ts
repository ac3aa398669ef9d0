// Logger setup: JSON lines on stdout (journald keeps them), pretty when a person watches a TTY.
import { pino, type Logger, type LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export function createLogger(level: LevelWithSilent = 'info', stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout): Logger {
  const options = { level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime };
  if (stream.isTTY) {
    return pino(options, pretty({ colorize: true, destination: 1, sync: true, ignore: 'pid,hostname' }));
  }
  return pino(options, pino.destination({ dest: 1, sync: false }));
}
