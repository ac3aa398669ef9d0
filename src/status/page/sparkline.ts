// A sparkline of one value's last 15 minutes: an SVG path over time up to now (gaps where the
// sensor said nothing), scaled to the series' own min and max.
/// <reference lib="dom" />
import { historyBucketMs, historyWindowMs, type HistoryPoint } from '../history.js';

const svgNs = 'http://www.w3.org/2000/svg';
const width = 300;
const height = 40;

export function sparkline(points: HistoryPoint[], now: number, label: string): SVGSVGElement | null {
  if (points.length < 2) return null;
  let min = Infinity;
  let max = -Infinity;
  for (const [, value] of points) {
    min = Math.min(min, value);
    max = Math.max(max, value);
  }
  // A flat series is drawn across the middle: at the bottom it would lie on the card's divider.
  const flat = max === min;
  const span = max - min || 1;
  // Until 15 minutes have been seen, the line spans what there is (a fresh agent is not a flat stub).
  const from = Math.max(now - historyWindowMs, points[0]?.[0] ?? now);
  const spanMs = Math.max(historyBucketMs, now - from);
  let path = '';
  let previous: number | null = null;
  for (const [ts, value] of points) {
    const x = (((ts - from) / spanMs) * width).toFixed(1);
    const y = (flat ? height / 2 : height - 2 - ((value - min) / span) * (height - 4)).toFixed(1);
    // A gap longer than two buckets is drawn as a gap: no line over a time without readings.
    path += `${previous === null || ts - previous > 2 * historyBucketMs ? 'M' : 'L'}${x} ${y}`;
    previous = ts;
  }
  const svg = document.createElementNS(svgNs, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `${label}, last 15 minutes: from ${min} to ${max}`);
  const line = document.createElementNS(svgNs, 'path');
  line.setAttribute('d', path);
  svg.appendChild(line);
  return svg;
}
