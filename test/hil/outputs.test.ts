// The real-kernel tier for outputs (issue 18): one boot, a gpio-sim chip labelled as a Pi 4's main
// controller, the built agent driving BCM 22 as an active-low `gpio-output` through sysfs (onoff)
// and the character device (our addon), its level read from sim_gpio22/value by the guest script
// (test/hil/guest/outputs-scenario.ts): initial level, a command, the safe state after a link cut
// and on SIGTERM, and what the line does on SIGKILL (measured, reported, documented in README).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hilSkipReason, runGuest, stopAllGuests, type GuestResult } from './helpers/guest.js';
import { bundleGuestScript } from './helpers/guest-bundle.js';
import { recordHilResult } from '../helpers/results.js';

const skip = hilSkipReason();

interface BackendRun {
  initialWire: string;
  exportedWhileRunning: boolean;
  onMs: number;
  failsafeMs: number;
  afterCut: string;
  exitCode: number | null;
  /** The wire levels seen from SIGTERM to exit, the pull set to pull-down: ON (0), safe (1), released (0). */
  whileStopping: string[];
  afterSigterm: string;
  stopLog: number[];
  afterSigkill: string;
  exportedAfterSigkill: boolean;
  releasedWire: string;
}

interface Results {
  error?: string;
  base: number;
  idleWire: string;
  sysfs: BackendRun;
  cdev: BackendRun;
}

const SCRIPT = ['base=$(hil_gpio_chip pi4 pinctrl-bcm2711 58)', 'node dist/hil/outputs-scenario.mjs "$base" "$(hil_gpio_sim_dir pi4)"'].join('\n');

describe.skipIf(skip !== null)(`outputs on real kernel lines (gpio-sim)${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let run: GuestResult & { resultsDir: string; cleanup(): Promise<void> };
  let results: Results;

  beforeAll(async () => {
    await bundleGuestScript('outputs-scenario');
    run = await runGuest({ timeoutMs: 300_000, script: SCRIPT });
    results = JSON.parse(await readFile(join(run.resultsDir, 'outputs.json'), 'utf8').catch(() => '{"error":"no outputs.json (the guest script did not get there)"}')) as Results;
  }, 330_000);

  afterAll(async () => {
    await stopAllGuests();
    await run?.cleanup();
  });

  const ok = (): void => {
    expect(results.error, `guest scenario failed:\n${results.error}\n${run.console.split('\n').slice(-30).join('\n')}`).toBeUndefined();
  };

  for (const name of ['sysfs', 'cdev'] as const) {
    it(`${name}: initial level at start, ON on command, safe state after a link cut and on SIGTERM, read from the simulator`, () => {
      ok();
      const figures = results[name];
      recordHilResult({ scenario: `hil-outputs-${name}`, promise: `An active-low gpio-output on ${name}: initial, command, safe state after failsafeAfter (1 s) on a link cut and on SIGTERM, read from sim_gpio22/value.`, ...figures });
      // activeLow: logical 0 (off) is a high wire, 1 (on) a low one.
      expect(figures.initialWire).toBe('1');
      expect(figures.exportedWhileRunning).toBe(name === 'sysfs');
      expect(figures.failsafeMs).toBeGreaterThanOrEqual(1000);
      expect(figures.afterCut).toBe('failsafe');
      expect(figures.exitCode).toBe(0);
      expect(figures.stopLog).toEqual([0]);
      // The safe level (wire 1 for an active-low off) was driven before the process ended; after it,
      // gpio-sim returns the released line to its pull (pull-down here).
      expect(figures.whileStopping).toEqual(['0', '1', '0']);
      expect(figures.afterSigterm).toBe('0');
    });
  }

  it('SIGKILL while ON: sysfs leaves the line exported and driven ON; the character device releases it to the pull (measured)', () => {
    ok();
    recordHilResult({
      scenario: 'hil-outputs-sigkill',
      promise: 'What an output line does when the agent is killed with SIGKILL while ON (pull-up on the line, as for an active-low relay board).',
      sysfs: { wire: results.sysfs.afterSigkill, exported: results.sysfs.exportedAfterSigkill },
      cdev: { wire: results.cdev.afterSigkill, exported: results.cdev.exportedAfterSigkill },
    });
    expect(results.sysfs).toMatchObject({ afterSigkill: '0', exportedAfterSigkill: true });
    expect(results.cdev).toMatchObject({ afterSigkill: '1', exportedAfterSigkill: false });
  });
});
