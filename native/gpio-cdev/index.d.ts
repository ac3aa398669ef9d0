// Types of the binding; src/hardware/gpio-cdev-addon.ts holds the agent's copy of this contract.
export interface ChipInfo {
  name: string;
  label: string;
  lines: number;
}
export interface LineRequestOptions {
  output?: boolean;
  /** 0 none, 1 rising, 2 falling, 3 both. */
  edge?: 0 | 1 | 2 | 3;
  /** 0 as is, 1 pull-up, 2 pull-down, 3 disabled. */
  bias?: 0 | 1 | 2 | 3;
  activeLow?: boolean;
  debounceUs?: number;
  eventBufferSize?: number;
  value?: 0 | 1;
  consumer?: string;
}
export interface LineEvent {
  edge: 'rising' | 'falling';
  timestampNs: bigint;
  seqno: number;
  lineSeqno: number;
}
export type LineHandle = object;
export function chipInfo(path: string): ChipInfo;
export function requestLine(path: string, offset: number, options: LineRequestOptions): LineHandle;
export function getValue(line: LineHandle): 0 | 1;
export function setValue(line: LineHandle, value: 0 | 1): void;
export function watch(line: LineHandle, callback: (events: LineEvent[]) => void): void;
export function close(line: LineHandle): void;
