// The register-map file behind a simulated I2C bus (a user contract, see README):
//   devices:
//     "0x76":
//       registers:
//         "0xd0": [0x60]              # bytes from this register on; writes are stored
//       commands:                     # command-style chips: a plain write of these bytes
//         "0x2400": [0x66, 0x5e, 0x5b] # selects what the next plain reads return
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
  registers: z.record(z.string(), z.array(byteValue)).default({}),
  commands: z.record(z.string(), z.array(byteValue)).default({}),
});

const mapSchema = z.strictObject({ devices: z.record(z.string(), deviceSchema) });

export interface DeviceMap {
  /** 256 byte registers; unset ones read 0x00. */
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
    const registers = new Uint8Array(256);
    for (const [registerKey, bytes] of Object.entries(device.registers)) {
      const register = toNumber(registerKey, `${source}: devices.${addressKey}.registers`);
      if (register + bytes.length > 256) throw new Error(`${source}: devices.${addressKey}.registers.${registerKey}: runs past register 0xff`);
      registers.set(bytes, register);
    }
    const commands = new Map<number, Uint8Array>();
    for (const [commandKey, bytes] of Object.entries(device.commands)) {
      commands.set(toNumber(commandKey, `${source}: devices.${addressKey}.commands`), Uint8Array.from(bytes));
    }
    map.set(address, { registers, commands });
  }
  return map;
}

export async function loadRegisterMap(file: string): Promise<RegisterMap> {
  return parseRegisterMap(parse(await readFile(file, 'utf8')), file);
}
