// The register-map file behind a simulated I2C bus (a user contract, see README):
//   devices:
//     "0x76":
//       registers:
//         "0xd0": [0x60]              # bytes from this register on; writes are stored
//       commands:                     # command-style chips: a plain write of these bytes
//         "0x2400": [0x66, 0x5e, 0x5b] # selects what the next plain reads return
//     "0x40":
//       registerWidth: 2              # 16-bit registers (INA219, MCP9808, ADS1115); default 1
//       registers:
//         "0x05": [0x10, 0x62]        # register 0x05 holds 0x1062
//         "0x01": [0x2e, 0xe0, 0x5d, 0xc2] # registers 0x01 = 0x2ee0 and 0x02 = 0x5dc2
// With `registerWidth: 2` each key names one 16-bit register and its bytes come in pairs, MSB
// first (the order the chip sends them); a list of 2k bytes fills k consecutive registers. An
// 8-bit register of such a chip (the MCP9808's resolution, 0x08) is written [value, 0x00]: byte
// reads and writes reach the first byte. Without `registerWidth` a device has byte registers and
// a list fills consecutive byte registers, as before.
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';

const byteValue = z.number().int().min(0).max(255);
const hexKey = z.union([z.string(), z.number()]).transform((raw, ctx): number => {
  const value = typeof raw === 'number' ? raw : Number(raw.trim());
  if (!Number.isInteger(value) || value < 0) {
    ctx.addIssue({ code: 'custom', message: `"${raw}" is not a number such as 0x76` });
    return z.NEVER;
  }
  return value;
});

const deviceSchema = z.strictObject({
  registerWidth: z.literal([1, 2], { error: 'is not a register width (1 for byte registers, 2 for 16-bit registers)' }).default(1),
  registers: z.record(z.string(), z.array(byteValue)).default({}),
  commands: z.record(z.string(), z.array(byteValue)).default({}),
});

const mapSchema = z.strictObject({ devices: z.record(z.string(), deviceSchema) });

export type RegisterWidth = 1 | 2;

export interface DeviceMap {
  /** Bytes per register: 1, or 2 for 16-bit registers sent MSB first. */
  registerWidth: RegisterWidth;
  /**
   * 256 registers' bytes in the order the chip sends them: register r is at r × registerWidth
   * (256 bytes, or 512 for 16-bit registers, MSB then LSB); unset ones read 0x00.
   */
  registers: Uint8Array;
  /** Command (its bytes as a big-endian number, e.g. 0x2400) → response bytes. */
  commands: Map<number, Uint8Array>;
}

export type RegisterMap = Map<number, DeviceMap>;

function toNumber(key: string, where: string): number {
  const parsed = hexKey.safeParse(key);
  if (!parsed.success) throw new Error(`${where}: "${key}" is not a number such as 0x76`);
  return parsed.data;
}

export function parseRegisterMap(raw: unknown, source = 'register map'): RegisterMap {
  const parsed = mapSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${source}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const map: RegisterMap = new Map();
  for (const [addressKey, device] of Object.entries(parsed.data.devices)) {
    const address = toNumber(addressKey, `${source}: devices`);
    if (address > 0x7f) throw new Error(`${source}: devices: ${addressKey} is not a 7-bit I2C address`);
    const width = device.registerWidth;
    const registers = new Uint8Array(256 * width);
    for (const [registerKey, bytes] of Object.entries(device.registers)) {
      const where = `${source}: devices.${addressKey}.registers.${registerKey}`;
      const register = toNumber(registerKey, `${source}: devices.${addressKey}.registers`);
      if (bytes.length % width !== 0) throw new Error(`${where}: gives ${bytes.length} byte${bytes.length === 1 ? '' : 's'}; 16-bit registers (registerWidth 2) take 2 bytes each, MSB first`);
      if (register + bytes.length / width > 256) throw new Error(`${where}: runs past register 0xff`);
      registers.set(bytes, register * width);
    }
    const commands = new Map<number, Uint8Array>();
    for (const [commandKey, bytes] of Object.entries(device.commands)) {
      commands.set(toNumber(commandKey, `${source}: devices.${addressKey}.commands`), Uint8Array.from(bytes));
    }
    map.set(address, { registerWidth: width, registers, commands });
  }
  return map;
}

export async function loadRegisterMap(file: string): Promise<RegisterMap> {
  return parseRegisterMap(parse(await readFile(file, 'utf8')), file);
}
