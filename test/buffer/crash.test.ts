// Promise 2: accepted = durable against kill -9, and appends of one turn share one write.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ClassicLevel } from 'classic-level';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { appendMany, bufferFixture, readAll, reading, type BufferFixture } from './buffer-fixture.js';

const child = fileURLToPath(new URL('../programs/append-until-killed.ts', import.meta.url));

describe('ReadingBuffer: durability', () => {
  let fx: BufferFixture;
  beforeEach(async () => {
    fx = await bufferFixture();
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await fx.cleanup();
  });

  it('keeps every seq it returned when the process is killed with SIGKILL, and never reuses one', async () => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, fx.storePath], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      proc.on('error', reject);
      proc.on('exit', (code) => reject(new Error(`child exited early with ${code}`)));
      proc.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.length > 60_000) resolve(); // a few thousand seqs, mid-writing
      });
    });
    proc.removeAllListeners('exit');
    const exited = new Promise((resolve) => proc.on('exit', resolve));
    proc.kill('SIGKILL');
    await exited;
    const lines = out.split('\n');
    lines.pop(); // a partly written last line is no promise
    const printed = lines.map(Number);
    const lastPrinted = Math.max(...printed);
    expect(printed.length).toBeGreaterThan(1000);

    const buffer = await fx.open();
    const stored = new Set(await readAll(buffer, 5000));
    expect(printed.filter((seq) => !stored.has(seq))).toEqual([]);
    expect(buffer.stats().lastSeq).toBeGreaterThanOrEqual(lastPrinted);
    expect((await buffer.append(reading(0)))!.seq).toBeGreaterThan(lastPrinted);
  });

  it('writes appends of one event-loop turn as one batch', async () => {
    const buffer = await fx.open();
    const batch = vi.spyOn(ClassicLevel.prototype, 'batch');
    await appendMany(buffer, 1000);
    expect(batch).toHaveBeenCalledTimes(1);
  });

});
