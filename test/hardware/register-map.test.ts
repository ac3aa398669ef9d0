// The register-map file format (src/hardware/i2c/register-map.ts, README "Simulated buses and lines"):
// byte registers by default, `registerWidth: 2` for 16-bit registers given MSB first, and the
// messages a wrong map gets.
import { describe, expect, it } from 'vitest';
import { parseRegisterMap } from '../../src/hardware/i2c/register-map.js';

const one = (device: Record<string, unknown>) => parseRegisterMap({ devices: { '0x40': device } }, 'map.yaml').get(0x40);

describe('parseRegisterMap', () => {
  it('keeps byte registers by default: a list fills consecutive registers', () => {
    const device = one({ registers: { '0xd0': [0x60, 0x61] } });
    expect(device?.registerWidth).toBe(1);
    expect(device?.registers).toHaveLength(256);
    expect([...(device?.registers.subarray(0xd0, 0xd2) ?? [])]).toEqual([0x60, 0x61]);
  });

  it('reads registerWidth 2 as one 16-bit register per MSB, LSB pair', () => {
    const device = one({ registerWidth: 2, registers: { '0x05': [0xc1, 0x78], '0x01': [0x2e, 0xe0, 0x5d, 0xc2] } });
    expect(device?.registerWidth).toBe(2);
    expect(device?.registers).toHaveLength(512);
    expect([...(device?.registers.subarray(0x05 * 2, 0x05 * 2 + 2) ?? [])]).toEqual([0xc1, 0x78]);
    expect([...(device?.registers.subarray(0x01 * 2, 0x01 * 2 + 4) ?? [])]).toEqual([0x2e, 0xe0, 0x5d, 0xc2]); // 0x01 and 0x02
  });

  it('refuses an odd number of bytes for 16-bit registers, saying why', () => {
    expect(() => one({ registerWidth: 2, registers: { '0x08': [0x03] } })).toThrow(
      'map.yaml: devices.0x40.registers.0x08: gives 1 byte; 16-bit registers (registerWidth 2) take 2 bytes each, MSB first',
    );
  });

  it('refuses registers past 0xff and widths other than 1 or 2', () => {
    expect(() => one({ registerWidth: 2, registers: { '0xff': [1, 2, 3, 4] } })).toThrow(/registers\.0xff: runs past register 0xff/);
    expect(() => one({ registers: { '0xff': [1, 2] } })).toThrow(/runs past register 0xff/);
    expect(() => one({ registerWidth: 4 })).toThrow(/devices\.0x40\.registerWidth: is not a register width \(1 for byte registers, 2 for 16-bit registers\)/);
  });
});
