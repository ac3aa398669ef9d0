// Logger setup: JSON lines on stdout (journald keeps them), pretty when a person watches a TTY.
// pino-pretty (and its colour and date helpers) is loaded only then: the service never needs it,
// and not evaluating it is a few ms less before ready (bench/start.ts).
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export async function createLogger(level: LevelWithSilent = 'info', stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout): Promise<Logger> {
  const options = { level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime };
  if (stream.isTTY) {
    const { default: pretty } = await import('pino-pretty');
    return pino(options, pretty({ colorize: true, destination: 1, sync: true, ignore: 'pid,hostname' }));
  }
  return pino(options, pino.destination({ dest: 1, sync: false }));
}
