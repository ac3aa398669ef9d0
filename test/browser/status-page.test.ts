// The status page in a real browser: Debian's Chromium driven by playwright-core against a whole
// agent in-process. Readings appear and update live, a cut MQTT link shows within two seconds,
// and screenshots at phone width land in test-output/ (and docs/status-page.png, see below).
import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page, type WebSocketRoute } from 'playwright-core';
import { makeTempDir } from '../helpers/temp-dir.js';
import { mqttPassword, startAgentRig, statusToken, type AgentRig } from './agent-rig.js';

const chromiumPath = '/usr/bin/chromium';
const missing = existsSync(chromiumPath) ? null : `${chromiumPath} is missing (apt-get install chromium; .ci/run installs it)`;
const outputDir = 'test-output';
/** The README's screenshot: written when absent, or refreshed with UPDATE_DOCS_SCREENSHOT=1. */
const docsScreenshot = 'docs/status-page.png';

describe.skipIf(missing !== null)(`status page in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let rig: AgentRig;
  let context: BrowserContext;
  let page: Page;
  let profile: { path: string; cleanup(): Promise<void> };
  const pageErrors: string[] = [];
  /** The page's sockets, passed through Playwright so the test can drop them like a Wi-Fi hiccup. */
  const sockets: WebSocketRoute[] = [];

  beforeAll(async () => {
    rig = await startAgentRig();
    profile = await makeTempDir('chromium-profile-');
    context = await chromium.launchPersistentContext(profile.path, {
      executablePath: chromiumPath,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 390, height: 844 },
      colorScheme: 'light',
    });
    page = context.pages()[0] ?? (await context.newPage());
    // A CSP violation or a script error would leave a page that looks fine but never updates.
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await page.routeWebSocket(/\/ws\b/, (socket) => {
      socket.connectToServer();
      sockets.push(socket);
    });
    await mkdir(outputDir, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await rig?.stop();
    await profile?.cleanup();
  });

  it('shows the device and its readings, and updates them live without reloading', async () => {
    await page.goto(rig.pageUrl);
    await expect.poll(() => page.textContent('#device')).toBe('greenhouse-pi');
    const meter = page.locator('[data-sensor="water-meter"] [data-value="value"] .num');
    await meter.waitFor({ timeout: 5_000 });
    const first = Number(await meter.textContent());
    // The counter sensor counts up once a second: a new value without a reload is the live feed.
    await page.waitForFunction(
      (before) => Number(document.querySelector('[data-sensor="water-meter"] [data-value="value"] .num')?.textContent) > before,
      first,
      { timeout: 5_000 },
    );
    await expect.poll(() => page.textContent('[data-sensor="greenhouse"] [data-value="value"] .num')).toMatch(/^\d+(\.\d+)?$/);
    await expect.poll(() => page.textContent('[data-sensor="system"]')).toMatch(/memory used[\d.]+\u00a0%/);
    await page.locator('#mqtt-card .chip', { hasText: 'Connected' }).waitFor({ timeout: 5_000 });
    expect(await page.textContent('#link')).toContain('Live');
    expect(pageErrors).toEqual([]);
  });

  it('shows the raw value beside the reported one for a sensor with filters', async () => {
    await page.goto(rig.pageUrl);
    const raw = page.locator('[data-sensor="water-meter"] [data-raw="value"]');
    await raw.waitFor({ timeout: 5_000 });
    // One snapshot renders both, so they belong to the same sample: reported = raw + 1000.
    const [reported, rawText] = await page.evaluate(() => [
      document.querySelector('[data-sensor="water-meter"] [data-value="value"] .num')?.textContent ?? '',
      document.querySelector('[data-sensor="water-meter"] [data-raw="value"]')?.textContent ?? '',
    ]);
    expect(rawText).toMatch(/^raw \d+$/);
    expect(Number(reported)).toBe(Number(rawText.slice(4)) + 1000);
    // The page is not the only place: /status.json says the same.
    const status = (await (await fetch(rig.pageUrl.replace('/?', '/status.json?'))).json()) as { sensors: Array<{ id: string; lastRaw: { values: { value: number } } | null; lastReading: { values: { value: number } } | null }> };
    const meter = status.sensors.find((sensor) => sensor.id === 'water-meter')!;
    expect(meter.lastReading!.values.value).toBe(meter.lastRaw!.values.value + 1000);
    expect(pageErrors).toEqual([]);
  });

  it('draws sparklines from the history the agent keeps', async () => {
    // Two 5 s buckets make a line; the agent has been sampling since the rig started.
    await page.locator('[data-sensor="greenhouse"] svg path').waitFor({ timeout: 15_000 });
    const path = await page.getAttribute('[data-sensor="greenhouse"] svg path', 'd');
    expect(path).toMatch(/^M[\d.]+ [\d.]+L/);
  });

  it('shows the page at phone width without sideways scrolling, and saves screenshots', async () => {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `${outputDir}/status-page-phone.png` });
    await page.screenshot({ path: `${outputDir}/status-page-phone-full.png`, fullPage: true });
    if (!existsSync(docsScreenshot) || process.env.UPDATE_DOCS_SCREENSHOT === '1') {
      await mkdir('docs', { recursive: true });
      await copyFile(`${outputDir}/status-page-phone.png`, docsScreenshot);
    }
    await page.emulateMedia({ colorScheme: 'dark' });
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe('rgb(0, 0, 0)');
    await page.screenshot({ path: `${outputDir}/status-page-phone-dark.png` });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('shows a cut MQTT link as disconnected within two seconds, and the reconnect after it', async () => {
    rig.proxy.cut();
    await page.locator('#mqtt-card .chip', { hasText: 'Disconnected' }).waitFor({ timeout: 2_000 });
    await expect.poll(() => page.textContent('#verdict')).toContain('MQTT broker not connected');
    await page.screenshot({ path: `${outputDir}/status-page-mqtt-down.png`, fullPage: true });
    rig.proxy.restore();
    await page.locator('#mqtt-card .chip', { hasText: 'Connected' }).waitFor({ timeout: 10_000 });
  });

  it('says so when the page loses the agent, and reconnects by itself', async () => {
    const before = sockets.length;
    for (const socket of sockets.splice(0)) await socket.close({ code: 4000, reason: 'test drops the link' });
    await expect.poll(() => page.textContent('#link'), { timeout: 2_000 }).toMatch(/Connection to the device lost, retrying in \d+ s/);
    expect(await page.getAttribute('#main', 'class')).toContain('stale');
    await expect.poll(() => page.textContent('#link'), { timeout: 10_000 }).toContain('Live');
    expect(before).toBeGreaterThan(0);
    expect(sockets.length).toBeGreaterThan(0);
    expect(pageErrors).toEqual([]);
  });

  it('never shows the MQTT password or the status token in the page', async () => {
    const text = (await page.content()) + (await page.evaluate(() => document.body.innerText));
    expect(text).not.toContain(mqttPassword);
    expect(text).not.toContain(statusToken);
  });
});
