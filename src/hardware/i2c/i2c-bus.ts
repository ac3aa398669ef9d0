// The I2C bus as drivers see it: the subset of i2c-bus's promise API they need. One real adapter
// (/dev/i2c-N through i2c-bus) and one simulated adapter (a register-map file) implement it.
// Word access is SMBus order (little-endian); drivers of big-endian chips swap bytes themselves.

export interface I2cBus {
  readonly busNumber: number;
  readByte(address: number, register: number): Promise<number>;
  writeByte(address: number, register: number, byte: number): Promise<void>;
  readWord(address: number, register: number): Promise<number>;
  writeWord(address: number, register: number, word: number): Promise<void>;
  /** SMBus/I2C block read of `length` bytes starting at `register`. */
  readI2cBlock(address: number, register: number, length: number): Promise<Buffer>;
  writeI2cBlock(address: number, register: number, bytes: Buffer): Promise<void>;
  /** SMBus send/receive byte (no register): command-style chips such as the BH1750. */
  sendByte(address: number, byte: number): Promise<void>;
  receiveByte(address: number): Promise<number>;
  /** Plain I2C transfers (Sensirion chips: a 16-bit command, then a read). */
  i2cWrite(address: number, bytes: Buffer): Promise<void>;
  i2cRead(address: number, length: number): Promise<Buffer>;
  /** Addresses that answer (0x03..0x77), like i2cdetect. */
  scan(): Promise<number[]>;
  close(): Promise<void>;
}

/** Error codes a bus gives when no chip answers at an address (ENXIO, EREMOTEIO; i2c-stub: ENODEV). */
export const NO_DEVICE_CODES: ReadonlySet<string> = new Set(['ENXIO', 'EREMOTEIO', 'ENODEV']);

export function isNoDevice(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && NO_DEVICE_CODES.has(code);
}

/** An errno-style error as the kernel (through i2c-bus) gives it. */
export function busError(code: string, errno: number, message: string): Error & { code: string; errno: number } {
  return Object.assign(new Error(`${code}: ${message}`), { code, errno });
}

export function hex(value: number, width = 2): string {
  return `0x${value.toString(16).padStart(width, '0')}`;
}
