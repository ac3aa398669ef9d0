// Figures of the real-kernel tier: one JSON line per scenario on stdout and appended to
// test-output/hil/results.jsonl, in the same line shape as test-output/faults/results.jsonl
// ({ scenario, promise, ...figures, machine, date }), so the FAULTS.md generator can read both.
import { appendFileSync, mkdirSync } from 'node:fs';
import { cpus, hostname, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '../../helpers/child-agent.js';

export const HIL_RESULTS_FILE = join(REPO_ROOT, 'test-output/hil/results.jsonl');

export interface HilResult {
  scenario: string;
  /** One sentence: what is promised. */
  promise: string;
  [figure: string]: unknown;
}

function machine(): string {
  const cpu = cpus();
  return `${hostname()} ${process.platform}/${process.arch} ${release()}, ${cpu.length}x ${cpu[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GB, node ${process.version}; guest: qemu TCG`;
}

export function recordHilResult(result: HilResult): Record<string, unknown> {
  const record = { ...result, machine: machine(), date: new Date().toISOString() };
  const line = JSON.stringify(record);
  mkdirSync(dirname(HIL_RESULTS_FILE), { recursive: true });
  appendFileSync(HIL_RESULTS_FILE, `${line}\n`);
  process.stdout.write(`${line}\n`);
  return record;
}
