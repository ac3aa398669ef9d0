// The recent history of every sensor value, for the page's sparklines: one point per 5 s bucket
// (the mean of what fell into it), the last 15 minutes, bounded per series and per sensor.
// Pure and DOM-free: the agent keeps one, and the page keeps a copy it extends from live snapshots.

export const historyBucketMs = 5_000;
export const historyWindowMs = 15 * 60_000;
/** Points per series: the window divided into buckets (180). */
export const historyMaxPoints = historyWindowMs / historyBucketMs;
/** Value names kept per sensor; a driver with more (unlikely) has the rest ignored, memory stays bounded. */
export const historyMaxSeries = 16;

/** [bucket start (epoch ms), mean value] */
export type HistoryPoint = [ts: number, value: number];

/** What /history.json and the WebSocket `history` message carry. */
export interface HistorySnapshot {
  bucketMs: number;
  windowMs: number;
  /** sensor id → value name → points, oldest first. */
  sensors: Record<string, Record<string, HistoryPoint[]>>;
}

interface Series {
  points: HistoryPoint[];
  /** Sum and count of the newest bucket, so its mean can take more samples. */
  sum: number;
  count: number;
}

export class History {
  private readonly sensors = new Map<string, Map<string, Series>>();

  /** Adds one sample of each value; samples older than the newest bucket of a series are ignored. */
  record(sensor: string, ts: number, values: Readonly<Record<string, number>>): void {
    let series = this.sensors.get(sensor);
    if (!series) {
      series = new Map();
      this.sensors.set(sensor, series);
    }
    const bucket = ts - (ts % historyBucketMs);
    for (const [name, value] of Object.entries(values)) {
      if (!Number.isFinite(value)) continue;
      let one = series.get(name);
      if (!one) {
        if (series.size >= historyMaxSeries) continue;
        one = { points: [], sum: 0, count: 0 };
        series.set(name, one);
      }
      add(one, bucket, value);
    }
  }

  /** Replaces what is kept with a snapshot (the page, after each (re)connect). */
  load(snapshot: HistorySnapshot): void {
    this.sensors.clear();
    for (const [sensor, values] of Object.entries(snapshot.sensors)) {
      const series = new Map<string, Series>();
      for (const [name, points] of Object.entries(values).slice(0, historyMaxSeries)) {
        const kept = points.slice(-historyMaxPoints).map(([ts, value]): HistoryPoint => [ts, value]);
        // The newest bucket's samples are unknown: count its mean as one sample.
        const last = kept.at(-1);
        series.set(name, { points: kept, sum: last ? last[1] : 0, count: last ? 1 : 0 });
      }
      this.sensors.set(sensor, series);
    }
  }

  /** The points of one value within the window ending at `now`. */
  series(sensor: string, name: string, now: number): HistoryPoint[] {
    const points = this.sensors.get(sensor)?.get(name)?.points ?? [];
    const from = now - historyWindowMs;
    return points.filter(([ts]) => ts >= from);
  }

  forget(sensor: string): void {
    this.sensors.delete(sensor);
  }

  snapshot(now: number): HistorySnapshot {
    const sensors: HistorySnapshot['sensors'] = {};
    for (const [sensor, series] of this.sensors) {
      const values: Record<string, HistoryPoint[]> = {};
      for (const name of series.keys()) values[name] = this.series(sensor, name, now);
      sensors[sensor] = values;
    }
    return { bucketMs: historyBucketMs, windowMs: historyWindowMs, sensors };
  }
}

function add(series: Series, bucket: number, value: number): void {
  const last = series.points.at(-1);
  if (last && last[0] === bucket) {
    series.sum += value;
    series.count += 1;
    last[1] = roundLike(series.sum / series.count, value);
    return;
  }
  if (last && last[0] > bucket) return;
  series.points.push([bucket, value]);
  series.sum = value;
  series.count = 1;
  if (series.points.length > historyMaxPoints) series.points.shift();
}

/** A mean printed with no more decimals than the sensor itself gives (plus one). */
function roundLike(mean: number, sample: number): number {
  const decimals = Math.min(6, (String(sample).split('.')[1]?.length ?? 0) + 1);
  const factor = 10 ** decimals;
  return Math.round(mean * factor) / factor;
}
