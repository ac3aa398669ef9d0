// The sparkline history: 5 s buckets holding the mean, 15 minutes, bounded in points and series.
import { describe, expect, it } from 'vitest';
import { History, historyBucketMs, historyMaxPoints, historyMaxSeries, historyWindowMs } from '../../src/status/history.js';

const t0 = 1_764_000_000_000;

describe('History', () => {
  it('keeps the mean of each 5 s bucket, rounded like the sensor plus one decimal', () => {
    const history = new History();
    history.record('greenhouse', t0, { temperature: 21.5 });
    history.record('greenhouse', t0 + 1_000, { temperature: 21.6 });
    history.record('greenhouse', t0 + 2_000, { temperature: 21.6 });
    history.record('greenhouse', t0 + historyBucketMs, { temperature: 22 });
    expect(history.series('greenhouse', 'temperature', t0 + historyBucketMs)).toEqual([
      [t0, 21.57],
      [t0 + historyBucketMs, 22],
    ]);
  });

  it('is bounded: at most 180 points per value and 16 values per sensor, and only the last 15 minutes', () => {
    const history = new History();
    for (let index = 0; index < historyMaxPoints + 50; index++) history.record('s', t0 + index * historyBucketMs, { value: index });
    const end = t0 + (historyMaxPoints + 49) * historyBucketMs;
    const points = history.snapshot(end).sensors.s?.value ?? [];
    expect(points.length).toBeLessThanOrEqual(historyMaxPoints);
    expect(points[0]?.[0]).toBeGreaterThanOrEqual(end - historyWindowMs);

    const many = Object.fromEntries(Array.from({ length: 40 }, (_, index) => [`voltage${index}`, index]));
    history.record('adc', t0, many);
    expect(Object.keys(history.snapshot(t0).sensors.adc ?? {})).toHaveLength(historyMaxSeries);
  });

  it('ignores late samples and non-finite values, and reloads from a snapshot', () => {
    const history = new History();
    history.record('s', t0 + historyBucketMs, { value: 2, bad: Number.NaN });
    history.record('s', t0, { value: 1 });
    const snapshot = history.snapshot(t0 + historyBucketMs);
    expect(snapshot.sensors.s).toEqual({ value: [[t0 + historyBucketMs, 2]] });

    const copy = new History();
    copy.load(snapshot);
    copy.record('s', t0 + 2 * historyBucketMs, { value: 3 });
    expect(copy.series('s', 'value', t0 + 2 * historyBucketMs)).toEqual([
      [t0 + historyBucketMs, 2],
      [t0 + 2 * historyBucketMs, 3],
    ]);
  });
});
