// Once per `npm run test:faults`: build dist/ if stale, and start results.jsonl afresh.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensureBuilt } from '../helpers/child-agent.js';
import { RESULTS_FILE } from '../helpers/results.js';

export default async function setup(): Promise<void> {
  await ensureBuilt();
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(RESULTS_FILE, '');
}
