// The MCP9808 driver on simulated register maps (test/fixtures/regmaps/mcp9808.yaml): the
// datasheet's ambient temperature conversion (DS25095A section 5.1.3.1) including negative values,
// the id check, the resolution register, and the ways a chip fails.
import { describe, expect, it, vi } from 'vitest';
import { mcp9808Driver, mcp9808Options, mcp9808Temperature } from '../../src/sensors/word-register/mcp9808.js';
import { busFromFixture, createOn, refusePlainTransfers } from './i2c-rig.js';

const ADDRESS = 0x18;
const writesTo = (bus: Awaited<ReturnType<typeof busFromFixture>>) => bus.writes.filter((write) => write.address === ADDRESS).map((write) => write.bytes);

describe('mcp9808Temperature (section 5.1.3.1, 13-bit two\'s complement)', () => {
  it.each([
    ['0x0178', 23.5],
    ['0x0191', 25.0625],
    ['0x07d0', 125],
    ['0x0001', 0.0625],
    ['0x0000', 0],
    ['0x1fff', -0.0625],
    ['0x1f5e', -10.125],
    ['0x1c90', -55],
  ])('register %s → %s °C', (register, celsius) => {
    const value = Number(register);
    expect(mcp9808Temperature(value >> 8, value & 0xff)).toBe(celsius);
  });

  it('ignores the alert flag bits 15..13', () => {
    expect(mcp9808Temperature(0xe1, 0x91)).toBe(25.0625);
    expect(mcp9808Temperature(0xff, 0x5e)).toBe(-10.125);
  });

  it('computes T - 256 below 0 °C, not the 256 - T printed in equation 5-1', () => {
    // 0x1FF0: sign set, magnitude 0x0F × 16 + 0xF0 / 16 = 255 → -1 °C (the printed formula gives +1).
    expect(mcp9808Temperature(0x1f, 0xf0)).toBe(-1);
  });
});

describe('the mcp9808 driver', () => {
  it('reads a room from the shipped register map: 23.5 °C', async () => {
    const sensor = await createOn(mcp9808Driver, await busFromFixture('mcp9808.yaml'));
    expect(await sensor.read()).toEqual({ temperature: 23.5 });
  });

  it('works with SMBus transfers only, as on the kernel\'s i2c-stub', async () => {
    const bus = await busFromFixture('mcp9808.yaml');
    refusePlainTransfers(bus);
    expect(await (await createOn(mcp9808Driver, bus)).read()).toEqual({ temperature: 23.5 });
    expect(bus.registers(ADDRESS)[0x08 * 2]).toBe(0x03); // the resolution, the first byte of register 0x08
  });

  it('reads the ids at create, then writes the resolution register (0.0625 °C → 0x03)', async () => {
    const bus = await busFromFixture('mcp9808.yaml');
    const readWord = vi.spyOn(bus, 'readWord');
    await createOn(mcp9808Driver, bus);
    expect(readWord.mock.calls).toEqual([[ADDRESS, 0x06], [ADDRESS, 0x07]]);
    expect(writesTo(bus)).toEqual([[0x08, 0x03]]); // SMBus write byte: register, then the value
  });

  it.each([
    [0.5, 0x00],
    [0.25, 0x01],
    [0.125, 0x02],
    [0.0625, 0x03],
  ])('writes resolution %s °C as 0x0%s', async (resolution, bits) => {
    const bus = await busFromFixture('mcp9808.yaml');
    await createOn(mcp9808Driver, bus, { resolution });
    expect(writesTo(bus)).toContainEqual([0x08, bits]);
  });

  it('reads a negative temperature through the bus: 0x1F5E → -10.125 °C', async () => {
    const bus = await busFromFixture('mcp9808.yaml');
    const sensor = await createOn(mcp9808Driver, bus);
    bus.setRegisters(ADDRESS, 0x05, [0x1f, 0x5e]);
    expect(await sensor.read()).toEqual({ temperature: -10.125 });
  });

  it('publishes +125 °C (0x07D0) and fails +125.0625 °C, outside the documented -40..+125 °C', async () => {
    const bus = await busFromFixture('mcp9808.yaml');
    const sensor = await createOn(mcp9808Driver, bus);
    bus.setRegisters(ADDRESS, 0x05, [0x07, 0xd0]);
    expect(await sensor.read()).toEqual({ temperature: 125 });
    bus.setRegisters(ADDRESS, 0x05, [0x07, 0xd1]);
    await expect(sensor.read()).rejects.toThrow(/^OUT_OF_RANGE: mcp9808 at 0x18 on bus 1: temperature 125\.0625 °C is outside the chip's documented range -40\.\.125 °C/);
  });

  it('refuses a chip whose manufacturer id is not 0x0054, naming both ids', async () => {
    const bus = await busFromFixture('mcp9808.yaml');
    bus.setRegisters(ADDRESS, 0x06, [0x00, 0x00]);
    await expect(createOn(mcp9808Driver, bus)).rejects.toThrow(
      /^CHIP_MISMATCH: mcp9808 at 0x18 on bus 1: manufacturer id 0x0000, device id 0x04 \(an MCP9808 answers 0x0054 and 0x04\).*scan-i2c --bus 1/,
    );
  });

  it('refuses a chip whose device id is not 0x04 (an MCP9804 answers 0x02)', async () => {
    const bus = await busFromFixture('mcp9808.yaml');
    bus.setRegisters(ADDRESS, 0x07, [0x02, 0x01]);
    await expect(createOn(mcp9808Driver, bus)).rejects.toMatchObject({ code: 'CHIP_MISMATCH', message: expect.stringContaining('device id 0x02') });
  });

  it('accepts any revision in the lower byte of the device id register', async () => {
    const bus = await busFromFixture('mcp9808.yaml');
    bus.setRegisters(ADDRESS, 0x07, [0x04, 0x01]);
    expect(await (await createOn(mcp9808Driver, bus)).read()).toEqual({ temperature: 23.5 });
  });

  it('takes 0x18 by default, 0x18..0x1F written either way, and only the four resolutions', () => {
    expect(mcp9808Options.parse({})).toEqual({ bus: 1, address: 0x18, resolution: 0.0625 });
    expect(mcp9808Options.parse({ address: '0x1f' }).address).toBe(0x1f);
    expect(mcp9808Options.parse({ address: 26 }).address).toBe(0x1a);
    expect(mcp9808Options.safeParse({ address: '0x20' }).success).toBe(false);
    expect(mcp9808Options.safeParse({ resolution: 0.1 }).success).toBe(false);
  });
});
