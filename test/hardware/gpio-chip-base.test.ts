// BCM → sysfs number on real boards' sysfs layouts (test/fixtures/sysfs/gpio/<case>/).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { chooseMainChip, readGpioChips, resolveSysfsNumber } from '../../src/hardware/gpio/gpio-chip-base.js';

const fixtures = fileURLToPath(new URL('../fixtures/sysfs/gpio/', import.meta.url));
const root = (name: string): string => join(fixtures, name);

describe('sysfs GPIO number resolution', () => {
  it.each([
    { board: 'a Pi 3 on an old kernel (4.19)', fixture: 'pi3-4.19', chip: 'gpiochip0', label: 'pinctrl-bcm2835', gpio17: 17, gpio4: 4 },
    { board: 'a Pi 4 on an old kernel (5.15)', fixture: 'pi4-5.15', chip: 'gpiochip0', label: 'pinctrl-bcm2711', gpio17: 17, gpio4: 4 },
    { board: 'a Pi 4 on 6.6 (base 512)', fixture: 'pi4-6.6', chip: 'gpiochip512', label: 'pinctrl-bcm2711', gpio17: 529, gpio4: 516 },
    { board: 'a Pi 5 (RP1 at base 571, after the SoC banks)', fixture: 'pi5-6.6', chip: 'gpiochip571', label: 'pinctrl-rp1', gpio17: 588, gpio4: 575 },
  ])('finds the main controller on $board', async ({ fixture, chip, label, gpio17, gpio4 }) => {
    const pin17 = await resolveSysfsNumber(root(fixture), 17);
    expect(pin17.chip).toMatchObject({ name: chip, label });
    expect(pin17.sysfsNumber).toBe(gpio17);
    expect(pin17.warning).toBeUndefined();
    expect((await resolveSysfsNumber(root(fixture), 4)).sysfsNumber).toBe(gpio4);
  });

  it('never takes the expander or the Pi 5 SoC banks for the header controller', async () => {
    const chips = await readGpioChips(root('pi5-6.6'));
    expect(chips.map((chip) => chip.base)).toEqual([512, 544, 548, 565, 571]);
    expect(chooseMainChip(chips, 'pi5').chip.label).toBe('pinctrl-rp1');
    expect(chooseMainChip(await readGpioChips(root('pi3-4.19')), 'pi3').chip.name).toBe('gpiochip0');
  });

  it('falls back to the chip at base 0 with a warning when the label is unknown', async () => {
    const resolved = await resolveSysfsNumber(root('legacy-bcm2708'), 17);
    expect(resolved.sysfsNumber).toBe(17);
    expect(resolved.warning).toMatch(/no known Raspberry Pi controller.*gpiochip0 "bcm2708_gpio"/);
  });

  it('falls back to the first chip with at least 28 lines when none is at base 0', () => {
    const choice = chooseMainChip(
      [
        { name: 'gpiochip512', base: 512, label: 'gpio-mockup-A', ngpio: 8 },
        { name: 'gpiochip520', base: 520, label: 'pinctrl-future', ngpio: 54 },
      ],
      '/sys/class/gpio',
    );
    expect(choice.chip.name).toBe('gpiochip520');
    expect(choice.warning).toContain('assuming gpiochip520');
  });

  it('names the chips it found when no controller fits (unknown layout)', async () => {
    await expect(resolveSysfsNumber(root('no-controller'), 17)).rejects.toThrow(
      /GPIO_CHIP_UNKNOWN: no Raspberry Pi GPIO controller under .*no-controller \(found gpiochip496 "mcp23017" \(16 lines\); expected a label of pinctrl-bcm2835, pinctrl-bcm2711, pinctrl-rp1\)/,
    );
  });

  it('says the kernel lacks GPIO sysfs when the root is missing', async () => {
    await expect(resolveSysfsNumber(root('does-not-exist'), 17)).rejects.toThrow(
      `GPIO_SYSFS_MISSING: GPIO sysfs not available at ${root('does-not-exist')} (kernel without CONFIG_GPIO_SYSFS?)`,
    );
  });

  it('rejects a BCM number the controller does not have', async () => {
    await expect(resolveSysfsNumber(root('pi4-6.6'), 58)).rejects.toThrow('GPIO_PIN_RANGE: BCM pin 58 does not exist on gpiochip512 "pinctrl-bcm2711" (lines 0-57)');
    expect((await resolveSysfsNumber(root('pi4-6.6'), 57)).sysfsNumber).toBe(569);
  });
});
