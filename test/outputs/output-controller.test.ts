// The controller's "on any doubt" rule against a simulated line that fails or lies: the safe
// state is tried, the error stays visible, nothing throws; and the exit-time synchronous write.
import { describe, expect, it } from 'vitest';
import { OutputController } from '../../src/outputs/output-controller.js';
import { SimulatedGpioLine } from '../../src/hardware/gpio/simulated-gpio.js';
import type { OutputConfig } from '../../src/config/output-schema.js';
import type { Level } from '../../src/hardware/gpio/gpio.js';

const config: OutputConfig = { id: 'pump', driver: 'gpio-output', pin: 17, activeLow: false, initial: 0, safeState: 0, failsafeAfter: 30_000, acceptRetained: false, maxCommandAge: 60_000 };

function line(): SimulatedGpioLine {
  return new SimulatedGpioLine(17, { direction: 'out', initial: 0 }, { level: 0 });
}

describe('OutputController', () => {
  it('puts the line to its safe state and reports the error when a read-back disagrees', async () => {
    const wire = line();
    const read = wire.read.bind(wire);
    let lie = false;
    wire.read = async (): Promise<Level> => (lie ? 0 : read());
    const controller = new OutputController(config, wire);
    await controller.confirmInitial();
    lie = true;
    expect(await controller.command(1, undefined, 'mqtt')).toBe(0);
    expect(wire.writes).toEqual([1, 0]);
    expect(controller.snapshot().lastError).toMatch(/BCM 17: wrote 1, read back 0; safe state 0 set/);
  });

  it('never throws when the line fails: the state becomes unknown, the error visible', async () => {
    const wire = line();
    const controller = new OutputController(config, wire);
    await controller.confirmInitial();
    await wire.close();
    expect(await controller.command(1, undefined, 'mqtt')).toBeNull();
    expect(controller.snapshot()).toMatchObject({ state: null, lastError: expect.stringMatching(/write 1 failed.*could not be confirmed/) });
  });

  it('writes the safe state synchronously for an exit that skips stop()', async () => {
    const wire = line();
    const controller = new OutputController({ ...config, safeState: 1 }, wire);
    await controller.confirmInitial();
    controller.emergencySafeState();
    expect(wire.writes.at(-1)).toBe(1);
  });
});
