// Keeps the buffer's reads and a summary's replacement apart (downsample.ts). A read's iterator
// sees the store as it was when it opened: one open across the batch that turns a reading into a
// summary would hand out the old reading under the summary's seq, and its ack would delete the
// summary. So a replacement waits for the reads under way, and reads opened meanwhile wait for it
// (one batch write). Without downsampling nothing ever closes the gate.

export class ReadGate {
  private reads = 0;
  private closed: Promise<void> | null = null;
  private drained: (() => void) | null = null;

  /** Called before a read opens its iterator. */
  async enter(): Promise<void> {
    while (this.closed !== null) await this.closed;
    this.reads++;
  }

  /** Called once the read's iterator is closed. */
  leave(): void {
    this.reads--;
    if (this.reads === 0) this.drained?.();
  }

  /** Runs a read through the gate. */
  async read<T>(read: () => Promise<T>): Promise<T> {
    await this.enter();
    try {
      return await read();
    } finally {
      this.leave();
    }
  }

  /** Runs `work` while no read is open. */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    while (this.closed !== null) await this.closed;
    let release!: () => void;
    this.closed = new Promise<void>((resolve) => (release = resolve));
    try {
      while (this.reads > 0) await new Promise<void>((resolve) => (this.drained = resolve));
      return await work();
    } finally {
      this.drained = null;
      this.closed = null;
      release();
    }
  }
}
