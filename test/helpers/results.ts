// The one results recorder of the fault tier and the real-kernel tier. Each scenario prints one JSON
// line and appends the same line to a results.jsonl (test-output/faults/ or test-output/hil/), which
// scripts/faults-report.mjs folds into FAULTS.jsonl and renders as FAULTS.md.
//
// The line (one JSON object, appended in the order scenarios finish):
//   { "scenario": "3 broker restarts",      // short stable id, one per scenario (or sub-case)
//     "promise": "One sentence: what the design promises here.",
//     ...the scenario's own figures (accepted, delivered, lost, duplicates where readings move),
//     "machine": "host linux/x64 ..., 2x cpu, 24 GB, node v20",
//     "date": "2026-01-01T00:00:00.000Z" }  // when the line was written
// The faults file is emptied at the start of each `npm run test:faults` run (its global setup); the
// generator takes the last line per scenario.
import { appendFileSync, mkdirSync } from 'node:fs';
import { cpus, hostname, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './child-agent.js';

export const RESULTS_FILE = join(REPO_ROOT, 'test-output/faults/results.jsonl');
export const HIL_RESULTS_FILE = join(REPO_ROOT, 'test-output/hil/results.jsonl');

export interface ScenarioResult {
  scenario: string;
  /** One sentence: what is promised. */
  promise: string;
  [figure: string]: unknown;
}

function machine(suffix: string): string {
  const cpu = cpus();
  return `${hostname()} ${process.platform}/${process.arch} ${release()}, ${cpu.length}x ${cpu[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GB, node ${process.version}${suffix}`;
}

/** Prints `result` as one JSON line and appends it to `file` (a results.jsonl); returns the record. */
export function appendResult(file: string, result: ScenarioResult, machineSuffix = ''): Record<string, unknown> {
  const record = { ...result, machine: machine(machineSuffix), date: new Date().toISOString() };
  const line = JSON.stringify(record);
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${line}\n`);
  process.stdout.write(`${line}\n`);
  return record;
}

/** A fault scenario's result, appended to test-output/faults/results.jsonl. */
export function recordResult(result: ScenarioResult): Record<string, unknown> {
  return appendResult(RESULTS_FILE, result);
}

/** A real-kernel scenario's result, appended to test-output/hil/results.jsonl (the guest is emulated). */
export function recordHilResult(result: ScenarioResult): Record<string, unknown> {
  return appendResult(HIL_RESULTS_FILE, result, '; guest: qemu TCG');
}
