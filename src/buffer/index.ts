// The buffer's public surface and its only entry (eslint.config.js keeps it so): the durable
// queue and its reader, its contract types, and what doctor and the config use of its disk rules.
export { ReadingBuffer } from './reading-buffer.js';
export type { BufferReader } from './reader.js';
export { BufferError, type BufferErrorCode } from './errors.js';
export type { BufferEvents, BufferOptions, BufferStats, RawReading, Reading, StoredReading, SummarySpan, ValueSummary } from './types.js';
export type { ClockMark, TimeCorrection, TimeQuality } from './clock-mark.js';
export { effectiveCap, keepFreeBytes, type KeepFree } from './disk-space.js';
export { DEFAULT_RESERVE_BYTES, nearestFolder, readOnlyLine } from './space-guard.js';
export { probeWrite } from './write-probe.js';
