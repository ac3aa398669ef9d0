// How the status page words the history kept as summaries (store.overflow: downsample).
import { describe, expect, it } from 'vitest';
import { summarizedText } from '../../src/status/page/render-overview.js';
import { bufferStats } from './helpers.js';

const NOW = 1_764_000_000_000;
const HOUR = 3_600_000;

describe('the buffer card: summarized history', () => {
  it('says how many readings are summarized, in how many summaries of what size, over what span', () => {
    const buffer = bufferStats({ summaries: 258, summarized: 4128, summaryWindow: { min: 16, max: 32 }, summarizedRange: { seq: [1, 5952], ts: [NOW - 72 * HOUR, NOW - 2 * HOUR] } });
    expect(summarizedText(buffer, NOW)).toMatch(/^4,128 readings in 258 summaries \(16–32 each\), sampled .+ to .+$/);
  });

  it('says "each" once when every summary has the same window', () => {
    const buffer = bufferStats({ summaries: 1, summarized: 8, summaryWindow: { min: 8, max: 8 }, summarizedRange: { seq: [1, 8], ts: [NOW - HOUR, NOW - HOUR] } });
    expect(summarizedText(buffer, NOW)).toMatch(/^8 readings in 1 summary \(8 each\), sampled/);
  });
});
