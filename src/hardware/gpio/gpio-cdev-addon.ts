// The contract of our native binding to the GPIO character device (native/gpio-cdev, C over
// Node-API). Why native: sysfs GPIO (onoff) wakes the agent once for however many edges happened
// while it was descheduled, so the real-kernel tier counted 951 and 999 of 1,000 pulses; the
// character device queues every edge in a kernel FIFO with a sequence number, so nothing folds
// and an overflow shows as a gap. Loaded lazily (only when a real line is opened); tests inject
// a fake with the same shape.

export interface CdevChipInfo {
  name: string;
  label: string;
  lines: number;
}

export interface CdevLineRequest {
  output?: boolean;
  /** 0 none, 1 rising, 2 falling, 3 both (uAPI v2 edge flags). */
  edge?: 0 | 1 | 2 | 3;
  activeLow?: boolean;
  debounceUs?: number;
  /** Kernel FIFO of events for this line; the kernel caps it (1,024 on 6.x). */
  eventBufferSize?: number;
  /** Initial level of an output. */
  value?: 0 | 1;
  consumer?: string;
}

export interface CdevLineEvent {
  edge: 'rising' | 'falling';
  /** CLOCK_MONOTONIC, as the kernel stamped the edge. */
  timestampNs: bigint;
  seqno: number;
  /** Per line, from 1; a gap means the kernel FIFO overflowed and dropped that many events. */
  lineSeqno: number;
}

/** Opaque: what requestLine returns. */
export type CdevLineHandle = object;

export interface CdevAddon {
  chipInfo(path: string): CdevChipInfo;
  requestLine(path: string, offset: number, options: CdevLineRequest): CdevLineHandle;
  getValue(line: CdevLineHandle): 0 | 1;
  setValue(line: CdevLineHandle, value: 0 | 1): void;
  watch(line: CdevLineHandle, callback: (events: CdevLineEvent[]) => void): void;
  close(line: CdevLineHandle): void;
}

/** The binding from node_modules/gpio-cdev; rejects when it is missing or was not built. */
export async function loadCdevAddon(): Promise<CdevAddon> {
  const module = (await import('gpio-cdev')) as { default?: CdevAddon } & Partial<CdevAddon>;
  return module.default ?? (module as CdevAddon);
}
