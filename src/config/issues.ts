// Turns zod issues into the one-line problems ConfigError carries:
//   `<key path>: <JSON of the bad value> <what was expected>`  (`mqtt.qos: 3 is not one of 0, 1, 2`)
//   `<key path>: missing (expected ...)` and `<key path>: unknown key (did you mean ...?)`.
// Field schemas phrase their own expectations (fields.ts); `errorMap` words the rest by issue code.
// The bad value is looked up in the raw input by the issue's path.
import type { z } from 'zod';
import { formatPath, keysOf, nodeAt, otherVariantsWithKey, valueAt, type KeyPath } from './keys.js';
import { mayHoldCredentials, maskUrlCredentials } from './mask-url.js';
import { closestKey } from './suggest.js';

const SECRET_KEYS = new Set(['password', 'token']);
const MAX_VALUE_LENGTH = 60;

const TYPE_NOUNS: Record<string, string> = {
  string: 'a string', number: 'a number', int: 'a whole number', boolean: 'true or false',
  object: 'a mapping of keys', array: 'a list',
};

const list = (values: readonly unknown[]): string => values.map(String).join(', ');

/** The fallback wording, passed to safeParse: schema-level messages win over it. */
export const errorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type': {
      const noun = TYPE_NOUNS[issue.expected] ?? issue.expected;
      return issue.input === undefined ? `missing (expected ${noun})` : `is not ${noun}`;
    }
    case 'invalid_value':
      return `is not one of ${list(issue.values)}`;
    case 'too_small':
      if (issue.origin === 'array') return `has too few entries (at least ${String(issue.minimum)})`;
      if (issue.origin === 'string') return issue.minimum === 1 ? 'is empty' : `is too short (at least ${String(issue.minimum)} characters)`;
      return `is too small (at least ${String(issue.minimum)})`;
    case 'too_big':
      if (issue.origin === 'array') return `has too many entries (at most ${String(issue.maximum)})`;
      if (issue.origin === 'string') return `is too long (at most ${String(issue.maximum)} characters)`;
      return `is too large (at most ${String(issue.maximum)})`;
    case 'invalid_union':
      return 'is not any of the accepted forms';
    case 'invalid_format':
      return `is not in the expected format (${issue.format})`;
    default:
      return undefined;
  }
};

function showValue(path: KeyPath, value: unknown): string {
  const key = String(path.at(-1));
  if (SECRET_KEYS.has(key)) return '"***"';
  // YAML reads 0x99 as the number 153; an I2C address is written, and read, in hex.
  if (key === 'address' && typeof value === 'number' && Number.isInteger(value) && value >= 0) return `0x${value.toString(16)}`;
  const shown = typeof value === 'string' && mayHoldCredentials(value) ? maskUrlCredentials(value) : value;
  const json = JSON.stringify(shown) ?? String(shown);
  return json.length > MAX_VALUE_LENGTH ? `${json.slice(0, MAX_VALUE_LENGTH - 3)}...` : json;
}

function line(path: KeyPath, message: string, raw: unknown): string {
  const value = valueAt(raw, path);
  if (value === undefined) return `${formatPath(path)}: ${message}`;
  return `${formatPath(path)}: ${showValue(path, value)} ${message}`;
}

function unknownKeyLines(path: KeyPath, keys: readonly string[], raw: unknown): string[] {
  const valid = keysOf(nodeAt(path, raw), valueAt(raw, path));
  return keys.map((key) => {
    // A key of another driver (`pin` on a simulated sensor) is no typo: say whose key it is.
    const owners = otherVariantsWithKey(nodeAt(path, raw), key, valueAt(raw, path));
    if (owners !== undefined) {
      return `${formatPath([...path, key])}: unknown key for ${owners.discriminator} ${owners.current} (${key} is an option of ${owners.names.join(', ')})`;
    }
    const suggestion = closestKey(key, valid);
    const hint = suggestion === undefined ? '' : ` (did you mean ${formatPath([...path, suggestion])}?)`;
    return `${formatPath([...path, key])}: unknown key${hint}`;
  });
}

function driverLine(issue: z.core.$ZodIssueInvalidUnion, raw: unknown): string {
  const known = list('options' in issue ? (issue.options ?? []) : []);
  const path = issue.path.at(-1) === issue.discriminator ? issue.path : [...issue.path, issue.discriminator ?? ''];
  const value = valueAt(raw, path);
  if (value === undefined) return `${formatPath(path)}: missing (expected one of: ${known})`;
  return `${formatPath(path)}: ${showValue(path, value)} is not a known ${String(path.at(-1))} (one of: ${known})`;
}

/** One line per problem, in the order zod found them (the file's order). */
export function describeIssues(issues: readonly z.core.$ZodIssue[], raw: unknown): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') return unknownKeyLines(issue.path, issue.keys, raw);
    if (issue.code === 'invalid_union' && issue.discriminator !== undefined && issue.errors.length === 0) {
      return [driverLine(issue, raw)];
    }
    return [line(issue.path, issue.message, raw)];
  });
}
