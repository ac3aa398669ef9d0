// A simulated I2C bus backed by a register map: drivers run on it exactly as on /dev/i2c-N.
// A chip is a register-pointer device (SMBus reads/writes address registers; a plain write sets
// the pointer and stores what follows), plus optional commands for Sensirion-style chips. Tests
// can inject faults: the next N transfers to an address fail like a flaky wire.
// Every transfer moves the bytes the chip would put on the wire. Byte-register chips (width 1)
// send register r, r+1, ...; 16-bit-register chips (registerWidth 2: INA219, MCP9808, ADS1115)
// send the MSB then the LSB of one register, so an SMBus word read returns MSB | LSB << 8 (the
// driver swaps, as Linux's i2c_smbus_read_word_swapped does), a byte access reaches the MSB, and
// their pointer stays put after a plain read. Simplification: a block or plain read of more than
// two bytes goes on to the next register (a real INA219 sends the same register again).
import { busError, type I2cBus } from './i2c-bus.js';
import type { DeviceMap, RegisterMap } from './register-map.js';

interface SimulatedDevice extends DeviceMap {
  pointer: number;
  /** Bytes a command selected for the next plain reads; null = read registers from the pointer. */
  response: Uint8Array | null;
  failuresPending: number;
  failureCode: string;
}

const ERRNO: Record<string, number> = { EIO: 5, ENXIO: 6, EREMOTEIO: 121, ETIMEDOUT: 110 };

export class SimulatedI2cBus implements I2cBus {
  private readonly devices = new Map<number, SimulatedDevice>();
  private closed = false;
  /** Every transfer, for tests that check what a driver sent. */
  readonly writes: Array<{ address: number; bytes: number[] }> = [];

  constructor(
    readonly busNumber: number,
    map: RegisterMap,
  ) {
    for (const [address, device] of map) {
      this.devices.set(address, {
        registerWidth: device.registerWidth,
        registers: Uint8Array.from(device.registers),
        commands: new Map(device.commands),
        pointer: 0,
        response: null,
        failuresPending: 0,
        failureCode: 'EIO',
      });
    }
  }

  /** Makes the next `count` transfers to `address` fail with `code` (EIO by default). */
  failNext(address: number, count = 1, code = 'EIO'): void {
    const device = this.devices.get(address);
    if (!device) throw new Error(`no simulated device at 0x${address.toString(16)}`);
    device.failuresPending = count;
    device.failureCode = code;
  }

  /**
   * Sets register bytes from `register` on (a test changing what the chip measures); for 16-bit
   * registers the bytes are MSB, LSB pairs, as in the map file.
   */
  setRegisters(address: number, register: number, bytes: readonly number[]): void {
    const device = this.known(address);
    device.registers.set(bytes, register * device.registerWidth);
  }

  setCommand(address: number, command: number, response: readonly number[]): void {
    this.known(address).commands.set(command, Uint8Array.from(response));
  }

  /** The chip's register bytes in wire order: register r at r × its register width. */
  registers(address: number): Uint8Array {
    return this.known(address).registers;
  }

  /** A 16-bit register's value as the datasheet writes it (MSB << 8 | LSB), e.g. 0x1062. */
  word(address: number, register: number): number {
    const device = this.known(address);
    if (device.registerWidth !== 2) throw new Error(`simulated device at 0x${address.toString(16)} has byte registers (no registerWidth: 2)`);
    const [msb = 0, lsb = 0] = this.readFrom(device, register, 2);
    return (msb << 8) | lsb;
  }

  /** A device for a test accessor: not a transfer, so no pending failure is used up. */
  private known(address: number): SimulatedDevice {
    const device = this.devices.get(address);
    if (!device) throw new Error(`no simulated device at 0x${address.toString(16)}`);
    return device;
  }

  private device(address: number): SimulatedDevice {
    if (this.closed) throw busError('EBADF', 9, `bus ${this.busNumber} is closed`);
    const device = this.devices.get(address);
    // What a real bus answers when nothing acknowledges the address.
    if (!device) throw busError('ENXIO', 6, `no device at 0x${address.toString(16).padStart(2, '0')} on simulated bus ${this.busNumber}`);
    if (device.failuresPending > 0) {
      device.failuresPending -= 1;
      throw busError(device.failureCode, ERRNO[device.failureCode] ?? 5, `simulated ${device.failureCode} at 0x${address.toString(16)} on bus ${this.busNumber}`);
    }
    return device;
  }

  /** Stores wire bytes from `register` on (past the last register they wrap to register 0). */
  private store(device: SimulatedDevice, register: number, bytes: ArrayLike<number>): void {
    const { registers } = device;
    const start = (register & 0xff) * device.registerWidth;
    for (let i = 0; i < bytes.length; i += 1) registers[(start + i) % registers.length] = (bytes[i] ?? 0) & 0xff;
  }

  /** The `length` bytes the chip sends from `register` on. */
  private readFrom(device: SimulatedDevice, register: number, length: number): Buffer {
    const { registers } = device;
    const start = (register & 0xff) * device.registerWidth;
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i += 1) out[i] = registers[(start + i) % registers.length] ?? 0;
    return out;
  }

  async readByte(address: number, register: number): Promise<number> {
    return this.readFrom(this.device(address), register, 1)[0] ?? 0;
  }

  async writeByte(address: number, register: number, byte: number): Promise<void> {
    this.writes.push({ address, bytes: [register, byte] });
    this.store(this.device(address), register, [byte]);
  }

  /** SMBus word order: the first byte on the wire is the low byte (a 16-bit register's MSB). */
  async readWord(address: number, register: number): Promise<number> {
    return this.readFrom(this.device(address), register, 2).readUInt16LE(0);
  }

  async writeWord(address: number, register: number, word: number): Promise<void> {
    this.writes.push({ address, bytes: [register, word & 0xff, (word >> 8) & 0xff] });
    this.store(this.device(address), register, [word & 0xff, (word >> 8) & 0xff]);
  }

  async readI2cBlock(address: number, register: number, length: number): Promise<Buffer> {
    return this.readFrom(this.device(address), register, length);
  }

  async writeI2cBlock(address: number, register: number, bytes: Buffer): Promise<void> {
    this.writes.push({ address, bytes: [register, ...bytes] });
    this.store(this.device(address), register, bytes);
  }

  async sendByte(address: number, byte: number): Promise<void> {
    await this.i2cWrite(address, Buffer.from([byte]));
  }

  async receiveByte(address: number): Promise<number> {
    return (await this.i2cRead(address, 1))[0] ?? 0;
  }

  async i2cWrite(address: number, bytes: Buffer): Promise<void> {
    const device = this.device(address);
    this.writes.push({ address, bytes: [...bytes] });
    const command = bytes.length > 0 && bytes.length <= 4 ? bytes.readUIntBE(0, bytes.length) : -1;
    const response = device.commands.get(command);
    if (response) {
      device.response = response;
      return;
    }
    device.response = null;
    device.pointer = bytes[0] ?? device.pointer;
    this.store(device, device.pointer, bytes.subarray(1));
  }

  async i2cRead(address: number, length: number): Promise<Buffer> {
    const device = this.device(address);
    if (device.response) {
      const out = Buffer.alloc(length);
      out.set(device.response.subarray(0, length));
      return out;
    }
    const out = this.readFrom(device, device.pointer, length);
    // Byte-register chips auto-increment; 16-bit-register chips keep the pointer.
    if (device.registerWidth === 1) device.pointer = (device.pointer + length) & 0xff;
    return out;
  }

  async scan(): Promise<number[]> {
    return [...this.devices.keys()].filter((address) => address >= 0x03 && address <= 0x77).sort((a, b) => a - b);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
