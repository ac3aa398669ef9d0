// The command line's words: which commands and options exist, and one line a person can act on
// when the arguments are wrong (an unknown option with a did-you-mean, an option without its
// value, no command, an unknown command). Node's parseArgs does the parsing; its own messages
// (quoting advice about positionals starting with '-') are not shown to a technician.
import { parseArgs } from 'node:util';
import { closestKey } from '../config/suggest.js';
import type { ErrorCode } from '../errors/catalogue.js';

export const COMMANDS = ['run', 'check-config', 'doctor', 'scan-i2c', 'sign-config', 'fleet', 'help'] as const;

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  bus: { type: 'string' },
  broker: { type: 'string' },
  prefix: { type: 'string' },
  wait: { type: 'string' },
  json: { type: 'boolean' },
  version: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** sign-config's own: its --version is the config's version (a number), not the program's. */
const SIGN_OPTIONS = {
  ...OPTIONS,
  key: { type: 'string' },
  id: { type: 'string' },
  version: { type: 'string' },
} as const;

export interface ParsedArgs {
  command: string | undefined;
  config: string | undefined;
  bus: string | undefined;
  /** fleet's options. */
  broker: string | undefined;
  prefix: string | undefined;
  wait: string | undefined;
  json: boolean;
  version: boolean;
  help: boolean;
  /** sign-config: the private key file, the config's version and message id as given, the config file. */
  sign?: { key: string | undefined; version: string | undefined; id: string | undefined; file: string | undefined };
}

/** A usage mistake: `message` is the whole line to print (without the program name). */
export class UsageError extends Error {
  readonly code: ErrorCode = 'USAGE';
}

const HINT = "see 'sensor-agent --help'";

/** What Node's parser complained about, in our words. */
function describeParseError(error: Error & { code?: string }, argv: readonly string[]): string {
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const given = /'([^']+)'/.exec(error.message)?.[1] ?? '';
    const name = given.replace(/=.*$/, '');
    const suggestion = name.startsWith('--') ? closestKey(name.slice(2), Object.keys(OPTIONS)) : undefined;
    return `unknown option ${name}${suggestion === undefined ? '' : ` (did you mean --${suggestion}?)`}; ${HINT}`;
  }
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = Object.keys(OPTIONS).find((key) => error.message.includes(`--${key}`));
    if (name === 'config') return `--config needs a file name (--config FILE); ${HINT}`;
    if (name === 'bus') return `--bus needs a bus number (--bus N, the N of /dev/i2c-N); ${HINT}`;
    if (name === 'broker') return `--broker needs a URL (--broker mqtt://host:1883); ${HINT}`;
    if (name === 'prefix') return `--prefix needs a topic prefix (--prefix sensors); ${HINT}`;
    if (name === 'wait') return `--wait needs a duration (--wait 2s); ${HINT}`;
    return `${name === undefined ? 'an option' : `--${name}`} takes no value; ${HINT}`;
  }
  if (error.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument in ${argv.join(' ')}; ${HINT}`;
  return `${error.message}; ${HINT}`;
}

/** Parses argv; throws a UsageError with one line when it cannot be understood. */
export function parseCommandLine(argv: readonly string[]): ParsedArgs {
  if (argv.find((arg) => !arg.startsWith('-')) === 'sign-config') return parseSignConfig(argv);
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: OPTIONS });
  } catch (error) {
    throw new UsageError(describeParseError(error as Error & { code?: string }, argv));
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1 && positionals[0] !== 'help') throw new UsageError(`unexpected argument ${positionals[1] ?? ''} after ${positionals[0] ?? ''} (a config file goes after --config); ${HINT}`);
  if (values.config === '') throw new UsageError(`--config needs a file name (--config FILE); ${HINT}`);
  return {
    command: positionals[0],
    config: values.config,
    bus: values.bus,
    broker: values.broker,
    prefix: values.prefix,
    wait: values.wait,
    json: values.json === true,
    version: values.version === true,
    help: values.help === true,
  };
}

/** The line for a missing or unknown command; undefined when `command` is one we know. */
export function commandProblem(command: string | undefined): string | undefined {
  if (command === undefined) return `no command given (one of: ${COMMANDS.filter((name) => name !== 'help').join(', ')}); ${HINT}`;
  if ((COMMANDS as readonly string[]).includes(command)) return undefined;
  const suggestion = closestKey(command, COMMANDS);
  return `unknown command ${command}${suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`}; ${HINT}`;
}

/** `sign-config --key PRIVATE.pem [--version N] [--id ID] FILE`. */
function parseSignConfig(argv: readonly string[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: SIGN_OPTIONS });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const name = ['key', 'version', 'id'].find((key) => (error as Error).message.includes(`--${key}`));
      if (name === 'key') throw new UsageError(`--key needs the private key file (--key PRIVATE.pem); ${HINT}`);
      if (name === 'version') throw new UsageError(`--version needs the config's version, a whole number (--version N); ${HINT}`);
      if (name === 'id') throw new UsageError(`--id needs the message id (--id ID); ${HINT}`);
    }
    throw new UsageError(describeParseError(error as Error & { code?: string }, argv));
  }
  const { values, positionals } = parsed;
  if (positionals.length > 2) throw new UsageError(`sign-config takes one config file, got ${positionals.slice(1).join(' ')}; ${HINT}`);
  return {
    command: 'sign-config',
    config: values.config,
    bus: undefined,
    broker: undefined,
    prefix: undefined,
    wait: undefined,
    json: false,
    version: false,
    help: values.help === true,
    sign: { key: values.key, version: values.version, id: values.id, file: positionals[1] },
  };
}
