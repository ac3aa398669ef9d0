// The figures the docs quote, checked against what they describe: the bundle and the page as
// built, and the rows of BENCHMARKS.md (generated from bench/results.json) that README cites.
// A doc that drifts from its source fails here instead of misleading a new user.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, REPO_ROOT } from '../helpers/child-agent.js';

const doc = (name: string): Promise<string> => readFile(join(REPO_ROOT, name), 'utf8');

/** The number in `text` captured by `pattern`'s first group; fails the test when absent. */
function figure(text: string, pattern: RegExp): number {
  const match = pattern.exec(text);
  expect(match, `${String(pattern)} in the doc`).not.toBeNull();
  return Number((match?.[1] ?? '').replace(/,/g, ''));
}

/** The value cell of the BENCHMARKS.md row whose figure is exactly `name`. */
function benchmark(table: string, name: string): number {
  const row = table.split('\n').find((line) => line.startsWith(`| ${name} |`));
  expect(row, `BENCHMARKS.md row "${name}"`).toBeDefined();
  return Number(/^\| [^|]+ \| ([\d.]+)/.exec(row ?? '')?.[1]);
}

beforeAll(async () => {
  await ensureBuilt();
});

describe('figures in the docs', () => {
  it('the bundle size in README and TESTING.md is the built bundle (decimal MB)', async () => {
    const megabytes = (await stat(join(REPO_ROOT, 'dist/sensor-agent.cjs'))).size / 1e6;
    expect(Math.abs(figure(await doc('README.md'), /most of compiling ([\d.]+) MB/) - megabytes)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(figure(await doc('TESTING.md'), /parsing the ([\d.]+) MB bundle/) - megabytes)).toBeLessThanOrEqual(0.1);
  });

  it("the status page's gzipped size in README is the built page's", async () => {
    const gzipped = gzipSync(await readFile(join(REPO_ROOT, 'dist/status-page/index.html'))).length / 1000;
    expect(Math.abs(figure(await doc('README.md'), /works offline, ([\d.]+) kB gzipped/) - gzipped)).toBeLessThanOrEqual(1);
  });

  it("README's cost of the unit's V8 flags is BENCHMARKS.md's", async () => {
    const readme = await doc('README.md');
    const table = await doc('BENCHMARKS.md');
    const withFlags = benchmark(table, 'CPU per 1000 readings drained, QoS 1');
    const without = benchmark(table, 'CPU per 1000 readings drained, QoS 1, node without the unit flags');
    expect(figure(readme, /\(([\d.]+) ms against [\d.]+ ms\s+per 1,000/)).toBe(withFlags);
    expect(figure(readme, /\([\d.]+ ms against ([\d.]+) ms\s+per 1,000/)).toBe(without);
    expect(Math.abs(figure(readme, /about (\d+) % more CPU per reading drained/) - (withFlags / without - 1) * 100)).toBeLessThanOrEqual(2);
    expect(figure(readme, /\(([\d.]+) MB without them/)).toBe(benchmark(table, 'RSS during drain 200000 QoS 1, node without the unit flags'));
    expect(figure(readme, /MB without them, ([\d.]+) MB with,/)).toBe(benchmark(table, 'RSS during drain 200000 QoS 1'));
  });

  it("README's health message sizes are BENCHMARKS.md's (bench/health-size.ts)", async () => {
    const readme = await doc('README.md');
    const table = await doc('BENCHMARKS.md');
    expect(figure(readme, /Sizes \(`npm run bench`, BENCHMARKS\.md\): (\d+) bytes with one sensor/)).toBe(benchmark(table, 'health message, 1 sensor ok: payload bytes'));
    expect(figure(readme, /bytes with one sensor,\s+(\d+) with 20,/)).toBe(benchmark(table, 'health message, 20 sensors ok: payload bytes'));
    expect(figure(readme, /with 20, (\d+) with 20 failed sensors/)).toBe(benchmark(table, 'health message, 20 sensors all failed (ids + codes): payload bytes'));
  });
});
