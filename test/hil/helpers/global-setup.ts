// Once per `npm run test:hil`: say loudly why the tier is skipped, or build dist/, fetch and
// build the cached kernel assets (scripts/hil/prepare.sh). results.jsonl is appended to, never
// emptied: running one test updates its own row in FAULTS.md and leaves the others.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensureBuilt } from '../../helpers/child-agent.js';
import { hilSkipReason, prepareHil } from './guest.js';
import { HIL_RESULTS_FILE } from '../../helpers/results.js';

export default async function setup(): Promise<void> {
  const reason = hilSkipReason();
  if (reason) {
    console.warn(`\n*** real-kernel tier (npm run test:hil) SKIPPED: ${reason} ***\n`);
    return;
  }
  await ensureBuilt();
  const started = Date.now();
  const hil = prepareHil();
  console.log(`hil: kernel ${hil.abi}, assets in ${hil.cache} (ready in ${Date.now() - started} ms)`);
  mkdirSync(dirname(HIL_RESULTS_FILE), { recursive: true });
}
