// The harness itself: the pinned kernel boots, the host's Node runs in the chroot, and the
// simulated hardware the other tests build on loads (gpio-sim, i2c-stub, i2c-dev, a virtio disk).
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { readFile, rm } from 'node:fs/promises';
import { hilSkipReason, makeExt4Image, prepareHil, runGuest, stopAllGuests } from './helpers/guest.js';
import { recordHilResult } from '../helpers/results.js';

const skip = hilSkipReason();
if (skip) console.warn(`real-kernel tier skipped: ${skip}`);

describe.skipIf(skip !== null)(`real-kernel harness${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const disk = join(tmpdir(), `hil-harness-${process.pid}.img`);
  afterAll(async () => {
    await stopAllGuests();
    await rm(disk, { force: true });
  });

  it('boots the pinned kernel, runs Node from the host root and loads gpio-sim, i2c-stub and i2c-dev', async () => {
    await makeExt4Image(disk, 32);
    const run = await runGuest({
      disk,
      script: [
        'set -e',
        'echo "kernel $(uname -r)"',
        'node -e \'require("node:fs").writeFileSync("/tmp/hil/node.json", JSON.stringify({ version: process.version, at: Date.now() }))\'',
        'echo "pi4 base $(hil_gpio_chip pi4 pinctrl-bcm2711 58)"',
        'echo "pi5 base $(hil_gpio_chip pi5 pinctrl-rp1 54)"',
        'echo "pi4 sim $(hil_gpio_sim_dir pi4)"',
        'echo "i2c $(hil_i2c_stub 0x76,0x40)"',
        'test -e "$(hil_gpio_sim_dir pi4)/sim_gpio17/pull"',
        // The mount's type from /proc/mounts: stat -f says "ext2/ext3" for ext4 too (one superblock magic).
        `hil_mount_store /tmp/store && echo "store $(awk '$2 == "/tmp/store" { print $3 }' /proc/mounts)"`,
      ].join('\n'),
    });
    try {
      const node = JSON.parse(await readFile(join(run.resultsDir, 'node.json'), 'utf8')) as { version: string };
      const figures = {
        kernel: /kernel (\S+)/.exec(run.console)?.[1],
        pi4Base: Number(/pi4 base (\d+)/.exec(run.console)?.[1]),
        pi5Base: Number(/pi5 base (\d+)/.exec(run.console)?.[1]),
        i2c: /i2c (\S+)/.exec(run.console)?.[1],
        store: /store (\S+)/.exec(run.console)?.[1],
        nodeInGuest: node.version,
        bootMs: run.bootMs,
        totalMs: run.totalMs,
      };
      recordHilResult({ scenario: 'hil-harness', promise: 'The pinned kernel boots under TCG and runs the host Node with gpio-sim, i2c-stub and a virtio ext4 disk.', ...figures });
      expect(run.exitCode, run.console).toBe(0);
      expect(figures.kernel).toBe(prepareHil().abi); // the pinned kernel, or the newest complete set when the pin is gone (versions.sh)
      expect(figures.pi4Base).toBeGreaterThan(0);
      expect(figures.pi5Base).toBeGreaterThan(0);
      expect(run.console).toMatch(/pi4 sim \/sys\/devices\/platform\/gpio-sim\.\d+\/gpiochip\d+/);
      expect(figures.i2c).toBe('/dev/i2c-0');
      expect(figures.store).toBe('ext4');
      expect(node.version).toBe(process.version);
    } finally {
      await run.cleanup();
    }
  });
});
