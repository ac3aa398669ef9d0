// The buffer's public surface: the durable queue and its contract.
export { ReadingBuffer } from './reading-buffer.js';
export type { BufferReader } from './reader.js';
export { BufferError, type BufferErrorCode } from './errors.js';
export type { BufferEvents, BufferOptions, BufferStats, RawReading, Reading, StoredReading } from './types.js';
