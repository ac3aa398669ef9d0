// The figures every fault scenario reports: one JSON line on stdout, and the same object appended
// to test-output/faults/results.jsonl, which the FAULTS.md generator reads.
//
// Format of results.jsonl (one JSON object per line, appended in the order scenarios finish):
//   { "scenario": "crash-loop",            // short stable id, one per scenario (or sub-case)
//     "promise": "One sentence: what the design promises here.",
//     "ok": true,                           // the scenario's assertions held
//     "accepted": 1234, "delivered": 1234, "lost": 0, "duplicates": 17,   // null where no readings move
//     ...the scenario's own figures (numbers, strings, small objects),
//     "at": "2025-01-01T00:00:00.000Z" }    // when the line was written
// The file is emptied once at the start of each `npm run test:faults` run (helpers-global-setup.ts);
// a generator should take the last line per scenario.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS_FILE = join(fileURLToPath(new URL('../../', import.meta.url)), 'test-output/faults/results.jsonl');

export interface ScenarioResult {
  scenario: string;
  promise: string;
  ok: boolean;
  /** null where a scenario moves no readings (the simulated fleet reconnect). */
  accepted: number | null;
  delivered: number | null;
  lost: number | null;
  duplicates: number | null;
  [figure: string]: unknown;
}

/** Prints the result as one JSON line and appends it to results.jsonl. */
export function recordResult(result: ScenarioResult): void {
  const line = JSON.stringify({ ...result, at: new Date().toISOString() });
  console.log(line);
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  appendFileSync(RESULTS_FILE, `${line}\n`);
}
