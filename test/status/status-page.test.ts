// The status page as served: one self-contained document within its size budget, its CSP matching
// its inline code, and the sparkline history over HTTP and the WebSocket.
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { pageCsp } from '../../src/status/page-assets.js';
import { historyBucketMs, type HistorySnapshot } from '../../src/status/history.js';
import { startStatus, TestClient, type Harness } from './helpers.js';

/** Everything the page loads, gzipped (issue 4). */
const budgetBytes = 60 * 1024;

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
});

/** The raw bytes on the wire (fetch would decompress them). */
function getRaw(url: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

describe('the status page', () => {
  it('is one document that loads nothing else, within 60 KB gzipped', async () => {
    harness = await startStatus();
    const plain = await getRaw(`${harness.http}/`, {});
    const html = plain.body.toString('utf8');
    // No <link>, <img>, external script or font: the inline script and style are everything.
    expect(html).not.toMatch(/<(link|img|iframe|object|embed)\b/i);
    expect(html).not.toMatch(/<script\b[^>]*\bsrc=/i);
    expect(html).not.toMatch(/@import|@font-face|url\(\s*["']?https?:/i);
    expect(gzipSync(html).length).toBeLessThan(budgetBytes);

    const gzipped = await getRaw(`${harness.http}/`, { 'Accept-Encoding': 'gzip, deflate' });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.body.length).toBeLessThan(budgetBytes);
    expect(gzipped.headers.vary).toBe('Accept-Encoding');
  });

  it('allows exactly its own inline script and style in its CSP', async () => {
    harness = await startStatus();
    const response = await fetch(`${harness.http}/`);
    const html = await response.text();
    expect(response.headers.get('content-security-policy')).toBe(pageCsp(html));
    expect(pageCsp('<style>a{}</style><script>go()</script>')).toMatch(/script-src 'sha256-[^']+'; style-src 'sha256-[^']+';/);
    expect(html.match(/<script>/g)).toHaveLength(1);
  });

  it('needs the token like every other route', async () => {
    harness = await startStatus({ token: 'tok-page-1' });
    expect((await fetch(`${harness.http}/`)).status).toBe(401);
    expect((await fetch(`${harness.http}/?token=tok-page-1`)).status).toBe(200);
  });
});

describe('sparkline history', () => {
  it('keeps one point per 5 s per value, served at /history.json and sent once on connect', async () => {
    harness = await startStatus();
    const { hub } = harness;
    const base = Math.floor(Date.now() / historyBucketMs) * historyBucketMs - 60_000;
    hub.sensorReading('greenhouse', { ts: base, seq: 1, values: { temperature: 20 } });
    hub.sensorReading('greenhouse', { ts: base + 1_000, seq: 2, values: { temperature: 21 } });
    hub.sensorReading('greenhouse', { ts: base + historyBucketMs, seq: 3, values: { temperature: 22.5 } });

    const history = (await (await fetch(`${harness.http}/history.json`)).json()) as HistorySnapshot;
    expect(history.bucketMs).toBe(historyBucketMs);
    expect(history.sensors.greenhouse?.temperature).toEqual([
      [base, 20.5],
      [base + historyBucketMs, 22.5],
    ]);

    const client = await TestClient.connect(harness.ws);
    await client.next('status');
    expect((await client.next('history')).data).toEqual(history);
    await client.close();
  });
});
