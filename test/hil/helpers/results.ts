// Figures of the real-kernel tier: one JSON line per scenario on stdout and appended to
// test-output/hil/results.jsonl, in the same line shape as test-output/faults/results.jsonl
// ({ scenario, promise, ...figures, machine, date }), so the FAULTS.md generator can read both.
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/child-agent.js';
import { appendResult } from '../../faults/fixtures/results.js';

export const HIL_RESULTS_FILE = join(REPO_ROOT, 'test-output/hil/results.jsonl');

export interface HilResult {
  scenario: string;
  /** One sentence: what is promised. */
  promise: string;
  [figure: string]: unknown;
}

export function recordHilResult(result: HilResult): Record<string, unknown> {
  return appendResult(HIL_RESULTS_FILE, result, '; guest: qemu TCG');
}
