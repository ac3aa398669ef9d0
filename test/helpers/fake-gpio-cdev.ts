// A fake of our gpio-cdev binding that behaves like the kernel's character device at its ABI:
// chips by path, one request per line (a second is EBUSY), events handed to the watcher in
// batches as the kernel's FIFO would give them (with their line_seqno), values per line.
import type { CdevAddon, CdevChipInfo, CdevLineEvent, CdevLineHandle, CdevLineRequest } from '../../src/hardware/gpio/gpio-cdev-addon.js';

export function errnoError(code: string, message = code): Error {
  return Object.assign(new Error(`${message}`), { code, syscall: 'GPIO_V2_GET_LINE_IOCTL' });
}

export interface FakeLine {
  path: string;
  offset: number;
  request: CdevLineRequest;
  value: 0 | 1;
  closed: boolean;
  watcher?: (events: CdevLineEvent[]) => void;
}

export interface FakeCdev extends CdevAddon {
  chips: Map<string, CdevChipInfo>;
  requests: FakeLine[];
  /** Errors the next requestLine calls throw, in order (e.g. the kernel refusing debounce). */
  refuse: Array<(request: CdevLineRequest) => Error | null>;
  /** The line currently requested at offset `offset`. */
  line(offset: number): FakeLine;
  /** One batch of events from the kernel for that line. */
  emit(offset: number, events: Array<Partial<CdevLineEvent> & Pick<CdevLineEvent, 'lineSeqno'>>): void;
}

export function fakeCdev(chips: Record<string, CdevChipInfo> = {}): FakeCdev {
  const requests: FakeLine[] = [];
  const open = (handle: CdevLineHandle): FakeLine => {
    const line = handle as FakeLine;
    if (line.closed) throw errnoError('EBADF');
    return line;
  };
  const fake: FakeCdev = {
    chips: new Map(Object.entries(chips)),
    requests,
    refuse: [],
    chipInfo: (path) => {
      const chip = fake.chips.get(path);
      if (!chip) throw errnoError('ENOENT', `open: No such file or directory (${path})`);
      return chip;
    },
    requestLine: (path, offset, request) => {
      fake.chipInfo(path);
      const refusal = fake.refuse.shift()?.(request);
      if (refusal) throw refusal;
      if (requests.some((line) => line.path === path && line.offset === offset && !line.closed)) throw errnoError('EBUSY');
      const line: FakeLine = { path, offset, request, value: request.value ?? 0, closed: false };
      requests.push(line);
      return line;
    },
    getValue: (handle) => open(handle).value,
    setValue: (handle, value) => {
      open(handle).value = value;
    },
    watch: (handle, callback) => {
      open(handle).watcher = callback;
    },
    close: (handle) => {
      (handle as FakeLine).closed = true;
    },
    line: (offset) => {
      const line = requests.find((candidate) => candidate.offset === offset && !candidate.closed);
      if (!line) throw new Error(`no open line at offset ${offset}`);
      return line;
    },
    emit: (offset, events) => {
      const line = fake.line(offset);
      line.watcher?.(events.map((event) => ({ edge: 'rising', timestampNs: 0n, seqno: event.lineSeqno, ...event })));
    },
  };
  return fake;
}
