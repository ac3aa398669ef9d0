// What one doctor check found, and the closing line: what `run` will really do with these findings
// (stop at start, run with some or all sensors failing, run without getting readings out), rather
// than counting every failure as one that "stops the agent".
import type { Config } from '../config/schema.js';
import { canonicalCode, type ErrorCode } from '../errors/catalogue.js';

export type Verdict = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  verdict: Verdict;
  what: string;
  /** How to fix it, when not ok. */
  fix?: string;
  /** The error code `run` would report for this failure (the README's error section says more). */
  code?: ErrorCode;
  /** A failure here makes `run` exit at start (BUFFER_LOCKED, STATUS_PORT_IN_USE, ...). */
  stops?: boolean;
  /** The sensors a failure here makes fail (they are retried; the others keep going). */
  sensors?: string[];
}

export function formatResult(result: CheckResult): string {
  const label = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' }[result.verdict];
  return `${label}  ${result.what}${result.fix ? `\n      fix: ${result.fix}` : ''}${result.code ? `\n      code: ${result.code}` : ''}`;
}

/** The catalogue code of a caught error, for a CheckResult; {} when it has none. */
export function codeOf(error: unknown): { code?: ErrorCode } {
  const code = (error as { code?: unknown } | null)?.code;
  const known = typeof code === 'string' ? canonicalCode(code) : undefined;
  return known === undefined ? {} : { code: known };
}

export const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;

/** The closing lines: what happens when `run` starts with this config on this machine. */
export function summarize(config: Config, results: readonly CheckResult[]): string {
  const failed = results.filter((result) => result.verdict === 'fail');
  const warned = results.filter((result) => result.verdict === 'warn').length;
  if (failed.length === 0) return warned === 0 ? 'nothing stops the agent here' : `nothing stops the agent here (${plural(warned, 'warning')} above)`;
  const stopping = failed.filter((result) => result.stops === true).length;
  if (stopping > 0) return `${plural(stopping, 'problem')} above stop the agent at start (run exits 1)${failed.length > stopping ? `, and ${failed.length - stopping} more to fix` : ''}`;
  const total = config.sensors.length;
  const failing = new Set(failed.flatMap((result) => result.sensors ?? []));
  const lines: string[] = [];
  if (failing.size > 0 && failing.size >= total) {
    const every = total === 1 ? 'its only sensor' : `all ${total} sensors`;
    lines.push(`the agent starts, but ${every} would fail: /healthz answers 503, and under systemd the watchdog restarts it`);
  } else if (failing.size > 0) {
    lines.push(`the agent runs, but ${failing.size} of ${plural(total, 'sensor')} would fail and be retried (${[...failing].join(', ')}); the others keep going`);
  }
  const other = failed.filter((result) => (result.sensors ?? []).length === 0).length;
  if (other > 0) lines.push(`the agent runs, but ${plural(other, 'problem')} above keep readings from leaving the device (they wait in the buffer)`);
  return lines.join('\n');
}
