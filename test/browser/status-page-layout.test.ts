// The status page at phone width (390 px) in Chromium, against a status hub whose clock and state
// the test sets: what a technician reads must be right and laid out right. Durations never leave
// a lone "s" on a line, long errors break after "/" or ":" rather than inside a word, a flat
// sparkline is not drawn on the card's divider, GPIO inputs come from the sensor list, sizes are
// decimal like the config, system values have labels and units, and the verdict, the MQTT card
// and the uptime count on one clock.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { pino } from 'pino';
import { StatusHub } from '../../src/status/status-hub.js';
import { ERROR_CATALOGUE } from '../../src/errors/catalogue.js';
import { StatusServer } from '../../src/status/status-server.js';
import { bufferStats } from '../status/helpers.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const chromiumPath = '/usr/bin/chromium';
const missing = existsSync(chromiumPath) ? null : `${chromiumPath} is missing (apt-get install chromium; .ci/run installs it)`;
const NB = '\u00a0';
const LONG_ERROR = 'SENSOR_NOT_FOUND: no device at 0x76 on /dev/i2c-1 (check /sys/bus/i2c/devices/i2c-1/1-0076/driver_override_and_modalias and wiring)';

describe.skipIf(missing !== null)(`status page layout at 390 px${missing ? ` (skipped: ${missing})` : ''}`, () => {
  /** The hub's clock: moved by the test, so figures are known. */
  let clock = Date.UTC(2026, 11, 3, 6, 0, 0, 0);
  const buffer = bufferStats({ maxBytes: 64_000_000, bytes: 1_500_000, backlog: 0 });
  let hub: StatusHub;
  let server: StatusServer;
  let context: BrowserContext;
  let page: Page;
  let profile: { path: string; cleanup(): Promise<void> };
  let url: string;

  beforeAll(async () => {
    hub = new StatusHub({
      device: 'greenhouse-pi',
      version: '1.2.3',
      mqttUrl: 'mqtt://broker.example:1883',
      bufferStats: () => buffer,
      now: () => clock,
      hostInfo: () => ({ addresses: ['192.168.1.20 (wlan0)'], clock: { plausible: true, synchronized: true } }),
    });
    server = new StatusServer({ listen: '127.0.0.1:0', pushIntervalMs: 20, hub, log: pino({ level: 'silent' }) });
    await server.start();
    url = `http://127.0.0.1:${server.address().port}/`;
    profile = await makeTempDir('chromium-layout-');
    context = await chromium.launchPersistentContext(profile.path, {
      executablePath: chromiumPath,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 390, height: 844 },
      colorScheme: 'light',
    });
    page = context.pages()[0] ?? (await context.newPage());
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await server?.stop();
    await profile?.cleanup();
  });

  /** Moves the hub's clock and has it push a status; resolves once the page shows that time. */
  async function advance(ms: number): Promise<void> {
    clock += ms;
    hub.bufferChanged();
    await page.waitForFunction(() => document.querySelector('#main')?.getAttribute('aria-busy') === 'false');
  }

  const text = (selector: string): Promise<string> => page.locator(selector).first().innerText();
  const dd = (card: string, label: string): Promise<string> => page.locator(`${card} dt:text-is("${label}") + dd`).innerText();

  it('connected: uptime and "connected for" agree, durations keep their units on their line', async () => {
    hub.registerSensor('greenhouse', 'simulated');
    hub.mqttConnected();
    await page.goto(url);
    await advance(186_600);
    // Both cells read in one evaluation: the page re-renders every second (its clock runs on from
    // the last push), and two separate reads can straddle a re-render on a busy machine.
    const [uptime, state] = await page.evaluate(() => {
      const cell = (card: string, label: string): string => {
        const term = [...document.querySelectorAll(`${card} dt`)].find((dt) => dt.textContent === label);
        return (term?.nextElementSibling as HTMLElement | null)?.innerText ?? '';
      };
      return [cell('#device-card', 'Uptime'), cell('#mqtt-card', 'State')];
    });
    expect(uptime).toMatch(new RegExp(`^3${NB}min${NB}\\d\\d${NB}s$`)); // 3 min 06 s, or later on a slow machine
    expect(state).toBe(`connected for ${uptime}`);
  });

  it('sizes are decimal, as the config reads them: 64MB shows as 64 MB', async () => {
    expect(await dd('#buffer-card', 'Size')).toBe(`1.5${NB}MB of 64${NB}MB`);
    expect(await dd('#buffer-card', 'Waiting')).toBe('0 readings');
    expect(await page.evaluate(() => document.body.innerText)).not.toContain('(s)');
  });

  it('lists a failing GPIO input from the sensor list, and its error breaks at sensible points', async () => {
    hub.registerSensor('door', 'gpio-input');
    hub.sensorFailed('door', LONG_ERROR);
    await advance(1_000);
    // advance() waits for a render, not for the one carrying the failure (pushes are throttled): wait for it.
    await page.waitForFunction(() => document.querySelector('[data-gpio="door"]')?.textContent === 'door: failing');
    expect(await text('[data-gpio="door"]')).toBe('door: failing');
    expect(await page.textContent('#gpio')).not.toContain('No GPIO inputs configured');
    const card = page.locator('[data-sensor="door"]');
    expect(await card.locator('.err').innerText()).toContain('(1 failure)');
    // The code is named and what to do follows, from the error catalogue.
    expect(await card.locator('.err-help').getAttribute('data-code')).toBe('SENSOR_NOT_FOUND');
    expect(await card.locator('.err-help').innerText()).toBe(`SENSOR_NOT_FOUND: ${ERROR_CATALOGUE.SENSOR_NOT_FOUND.action}`);
    // Every line of the error starts after a space or a break point, never inside a word.
    const breaks = await card.locator('.err').evaluate((element) => {
      const found: string[] = [];
      let lastTop: number | null = null;
      let previous = '';
      const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const value = node.nodeValue ?? '';
        for (let index = 0; index < value.length; index++) {
          const range = document.createRange();
          range.setStart(node, index);
          range.setEnd(node, index + 1);
          const rect = range.getBoundingClientRect();
          if (rect.width === 0 && value[index] === ' ') {
            previous = ' ';
            continue;
          }
          if (lastTop !== null && rect.top > lastTop + 2) found.push(`${previous}|${value[index]}`);
          lastTop = rect.top;
          previous = value[index] ?? '';
        }
      }
      return found;
    });
    expect(breaks.length).toBeGreaterThan(0);
    for (const pair of breaks) expect(pair, `a line break between ${pair}`).toMatch(/^[ /:,=&?-]\|/);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  });

  it('shows system values with labels and units', async () => {
    hub.registerSensor('system', 'system');
    hub.sensorReading('system', { ts: clock, seq: 1, values: { load1: 0.42, memoryAvailableMB: 3187.8, diskFreeMB: 1204.5, diskUsedPercent: 61.2, uptime: 4488 } });
    await advance(1_000);
    const value = (name: string): Promise<string> => page.locator(`[data-sensor="system"] [data-value="${name}"]`).innerText();
    expect((await value('memoryAvailableMB')).replace(/\s+/g, ' ')).toBe(`memory available 3187.8${NB}MB`.replace(/\s+/g, ' '));
    expect(await page.locator('[data-sensor="system"] [data-value="diskFreeMB"] .name').innerText()).toBe('disk free');
    expect(await page.locator('[data-sensor="system"] [data-value="load1"] .name').innerText()).toBe('load (1 min)');
    expect(await page.locator('[data-sensor="system"] [data-value="uptime"] .num').innerText()).toBe(`1${NB}h${NB}14${NB}min`);
    expect(await page.locator('[data-sensor="system"] [data-value="diskUsedPercent"] .num').innerText()).toBe(`61.2${NB}%`);
  });

  it('draws a flat sparkline across the middle, off the divider', async () => {
    hub.registerSensor('flat', 'simulated');
    for (const ago of [20_000, 10_000, 0]) hub.sensorReading('flat', { ts: clock - ago, seq: 2, values: { value: 5 } });
    await page.goto(url);
    // A flat path has no height: Playwright calls it hidden, so wait for it to be there.
    await page.locator('[data-sensor="flat"] svg path').waitFor({ state: 'attached' });
    const d = (await page.getAttribute('[data-sensor="flat"] svg path', 'd')) ?? '';
    const ys = [...d.matchAll(/[ML][\d.]+ ([\d.]+)/g)].map((match) => Number(match[1]));
    expect(ys.length).toBeGreaterThan(1);
    for (const y of ys) expect(y).toBe(20);
  });

  it('while the broker is down: the retries and the next try are shown, and the verdict counts the outage as the card does', async () => {
    hub.mqttDisconnected('connection refused (is the broker running?)');
    hub.mqttRetrying(1_000);
    hub.mqttRetrying(2_000);
    hub.mqttRetrying(8_000);
    await advance(21_000 - 8_000);
    await advance(0);
    const retrying = await dd('#mqtt-card', 'Retrying');
    expect(retrying).toMatch(new RegExp(`^tried 2 times, (next try in \\d+${NB}s|trying now)$`));
    // One evaluation for both, as above: the same render, the same clock.
    const [state, verdict] = await page.evaluate(() => {
      const term = [...document.querySelectorAll('#mqtt-card dt')].find((dt) => dt.textContent === 'State');
      return [(term?.nextElementSibling as HTMLElement | null)?.innerText ?? '', document.querySelector<HTMLElement>('#verdict')?.innerText ?? ''];
    });
    const outage = /^down for (.+)$/.exec(state)?.[1];
    expect(outage).toBeDefined();
    expect(verdict).toContain(`MQTT broker not connected for ${outage ?? ''} (`);
  });
});
