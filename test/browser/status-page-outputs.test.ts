// The page's Outputs section in Chromium, against a real OutputSet on simulated lines behind the
// status server: each output's state and last command are shown; opened with the token, the On and
// Off buttons switch the line (the wire level changes, the source is the page's address); with no
// token configured the page shows no buttons and says it is read-only.
import { existsSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { pino } from 'pino';
import { StatusHub } from '../../src/status/status-hub.js';
import { StatusServer } from '../../src/status/status-server.js';
import { OutputSet } from '../../src/outputs/output-set.js';
import { pageCommands } from '../../src/outputs/page-commands.js';
import { COMMAND_INTERVAL_MS } from '../../src/outputs/rate-limits.js';
import { createSimulatedGpio } from '../../src/hardware/gpio/simulated-gpio.js';
import { bufferStats } from '../status/helpers.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const chromiumPath = '/usr/bin/chromium';
const missing = existsSync(chromiumPath) ? null : `${chromiumPath} is missing (apt-get install chromium; .ci/run installs it)`;
const silent = pino({ level: 'silent' });

describe.skipIf(missing !== null)(`status page outputs${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let context: BrowserContext;
  let page: Page;
  let profile: { path: string; cleanup(): Promise<void> };
  const running: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    profile = await makeTempDir('chromium-outputs-');
    context = await chromium.launchPersistentContext(profile.path, {
      executablePath: chromiumPath,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 390, height: 844 },
    });
    page = context.pages()[0] ?? (await context.newPage());
  }, 60_000);

  afterEach(async () => {
    for (const stop of running.splice(0).reverse()) await stop();
  });

  afterAll(async () => {
    await context?.close();
    await profile?.cleanup();
  });

  async function serve(token?: string) {
    const gpio = createSimulatedGpio(new Map());
    const outputs = new OutputSet({ outputs: [{ id: 'pump', driver: 'gpio-output', pin: 22, activeLow: true, initial: 0, safeState: 0, failsafeAfter: 'off', acceptRetained: false, maxCommandAge: 60_000 }], gpio, log: silent });
    await outputs.start();
    running.push(() => outputs.stop());
    const hub = new StatusHub({ device: 'pi', version: '1', mqttUrl: 'mqtt://broker:1883', bufferStats: () => bufferStats(), outputs: () => ({ outputs: outputs.snapshot(), refusals: { ...outputs.refusals } }) });
    outputs.on('change', () => hub.outputsChanged());
    const server = new StatusServer({ listen: '127.0.0.1:0', pushIntervalMs: 20, hub, log: silent, outputs: pageCommands(outputs), ...(token !== undefined ? { token } : {}) });
    await server.start();
    running.push(() => server.stop());
    return { gpio, url: `http://127.0.0.1:${server.address().port}/${token !== undefined ? `?token=${token}` : ''}` };
  }

  // The switched state is polled from the test's side (expect.poll). With Chromium 156.0.8078.114
  // the old page.waitForFunction after the On click timed out. The likely cause is the command gate
  // below (the initial state counts as a command), not the wait itself; not yet confirmed.
  const outputText = (): Promise<string> => page.locator('[data-output="pump"]').innerText();

  it('with the token: shows the state, and On and Off switch the line, the source being the page', async () => {
    const { gpio, url } = await serve('page-token');
    await page.goto(url);
    await page.waitForFunction(() => document.querySelector('[data-output="pump"]')?.textContent?.includes('OFF'));
    expect(await outputText()).toMatch(/^pump \(BCM 22, active low\): OFF · simulated wire 1 · last command OFF from initial/);
    await page.locator('[data-output="pump"] button[data-command="On"]').click();
    await expect.poll(() => page.locator('[data-output="pump"] strong').innerText(), { timeout: 10_000, interval: 100 }).toBe('ON');
    expect(await outputText()).toMatch(/last command ON from page 127\.0\.0\.1/);
    // Active low: on is a low wire.
    expect(gpio.line(22)?.wireLevel).toBe(0);
    // One command per output per COMMAND_INTERVAL_MS (a flood must not chatter a relay): a second
    // click sooner is refused, as it should be, so the test waits the interval out.
    await new Promise((resolve) => setTimeout(resolve, COMMAND_INTERVAL_MS + 50));
    await page.locator('[data-output="pump"] button[data-command="Off"]').click();
    await expect.poll(() => page.locator('[data-output="pump"] strong').innerText(), { timeout: 10_000, interval: 100 }).toBe('OFF');
    expect(gpio.line(22)?.wireLevel).toBe(1);
  });

  it('without a token configured: no buttons, and the page says it is read-only', async () => {
    const { url } = await serve();
    await page.goto(url);
    await page.waitForFunction(() => document.querySelector('[data-output="pump"]')?.textContent?.includes('OFF'));
    expect(await page.locator('#outputs button').count()).toBe(0);
    expect(await page.locator('#outputs').innerText()).toMatch(/Read-only/);
  });
});
