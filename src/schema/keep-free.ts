// `store.keepFree`: a size or a percentage of the file system the buffer leaves free (README, "When
// the disk is full or read-only"). Parsed here, in the schema's leaf folder, so config load does not
// load the buffer (src/buffer/disk-space.ts turns it into bytes against statfs).

export type KeepFree = { bytes: number } | { percent: number };

/** "15%" or a size already parsed to bytes; undefined when it is neither. */
export function parseKeepFree(raw: string | number, parseSize: (input: unknown) => number | undefined): KeepFree | undefined {
  if (typeof raw === 'string') {
    const match = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(raw);
    if (match) {
      const percent = Number(match[1]);
      return percent <= 90 ? { percent } : undefined;
    }
  }
  const bytes = parseSize(raw);
  return bytes === undefined ? undefined : { bytes };
}
