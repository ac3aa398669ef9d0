// Outputs end to end, in-process: the whole agent (startAgent) against a real Aedes broker, with
// the output lines simulated (`simulate.gpio.<pin>`). A command goes in on `<prefix>/<id>/set`,
// the line changes (its wire level on /status.json), the confirmed state comes back retained;
// pulses, maxOn, too-old and retained commands, link loss through a TCP proxy, the page's socket
// with and without a token, garbage and floods.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import mqtt, { type MqttClient } from 'mqtt';
import WebSocket from 'ws';
import { startAgent, type RunningAgent } from '../../src/agent.js';
import { parseConfig } from '../../src/config/load.js';
import type { OutputStatus } from '../../src/outputs/output-controller.js';
import { startAedes, type AedesBroker } from '../helpers/broker.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { capturingLog } from '../helpers/publisher-rig.js';
import { until } from '../helpers/poll.js';

const PREFIX = 'sensors/out-1';

describe('outputs through the agent', () => {
  let broker: AedesBroker;
  let proxy: TcpProxy;
  let dir: { path: string; cleanup(): Promise<void> };
  let agent: RunningAgent | null = null;
  let client: MqttClient;
  const states = new Map<string, Array<{ payload: string; retain: boolean }>>();

  const start = async (outputs: unknown[], status: Record<string, unknown> = {}, log = pino({ level: 'silent' })) => {
    const config = parseConfig(
      {
        device: { id: 'out-1' },
        mqtt: { url: proxy.url, reconnect: { min: '100ms', max: '200ms' }, keepalive: '2s' },
        store: { path: 'buffer' },
        status: { listen: '127.0.0.1:0', ...status },
        simulate: { gpio: { '17': { level: 0 }, '27': { level: 0 } } },
        sensors: [{ id: 'load', driver: 'simulated', interval: '1s' }],
        outputs,
      },
      { env: {}, baseDir: dir.path, hostname: 'test-host' },
    );
    agent = await startAgent(config, log);
    await until(() => agent!.hub.snapshot().mqtt.connected, 15_000, 'agent connected');
    return agent;
  };
  const output = (id: string): OutputStatus => {
    const found = agent!.hub.snapshot().outputs.find((o) => o.id === id);
    if (!found) throw new Error(`no output ${id}`);
    return found;
  };
  const lastState = (id: string): string | undefined => states.get(`${PREFIX}/${id}`)?.at(-1)?.payload;
  /** The confirmed states published for `id`, in order (a short pulse may be over before a poll sees it). */
  const published = (id: string): string[] => (states.get(`${PREFIX}/${id}`) ?? []).map((message) => message.payload);
  const send = (id: string, payload: string, options: { retain?: boolean } = {}) => client.publishAsync(`${PREFIX}/${id}/set`, payload, { qos: 1, ...options });

  beforeEach(async () => {
    broker = await startAedes();
    proxy = await startTcpProxy(broker.port);
    dir = await makeTempDir('outputs-agent-');
    states.clear();
    client = await mqtt.connectAsync(broker.url, { clean: true, reconnectPeriod: 0, clientId: `test-${Math.random().toString(16).slice(2)}` });
    client.on('message', (topic, payload, packet) => {
      if (topic.endsWith('/status') || topic.endsWith('/set') || topic.endsWith('/health')) return;
      const list = states.get(topic) ?? [];
      list.push({ payload: payload.toString(), retain: packet.retain });
      states.set(topic, list);
    });
    await client.subscribeAsync(`${PREFIX}/+`, { qos: 1 });
  });

  afterEach(async () => {
    await agent?.stop();
    agent = null;
    await client.endAsync();
    await proxy.stop();
    await broker.stop();
    await dir.cleanup();
  });

  it('sets the initial level at start, then carries out a command, reads the line back and publishes the confirmed state retained', async () => {
    await start([{ id: 'pump', driver: 'gpio-output', pin: 17, activeLow: true, initial: 0, safeState: 0 }]);
    expect(output('pump')).toMatchObject({ state: 0, simulatedWire: 1, lastCommand: { source: 'initial' } });
    await until(() => lastState('pump') === 'OFF', 15_000, 'initial state published');
    await send('pump', 'ON');
    await until(() => lastState('pump') === 'ON', 15_000, 'confirmed ON');
    // activeLow: logical 1 is a low wire.
    expect(output('pump')).toMatchObject({ state: 1, simulatedWire: 0, lastCommand: { state: 1, source: 'mqtt' }, commands: { mqtt: 1 } });
    // A late subscriber gets the confirmed state retained.
    const late = await mqtt.connectAsync(broker.url, { clean: true, reconnectPeriod: 0 });
    const retained = new Promise<{ payload: string; retain: boolean }>((resolve) => late.on('message', (_t, payload, packet) => resolve({ payload: payload.toString(), retain: packet.retain })));
    await late.subscribeAsync(`${PREFIX}/pump`, { qos: 1 });
    expect(await retained).toEqual({ payload: 'ON', retain: true });
    await late.endAsync();
    await send('pump', '0');
    await until(() => lastState('pump') === 'OFF', 15_000, 'confirmed OFF');
  });

  it('holds a pulse for `for`, then switches back; maxOn switches off however the output was turned on', async () => {
    await start([
      { id: 'pump', driver: 'gpio-output', pin: 17 },
      { id: 'fan', driver: 'gpio-output', pin: 27, maxOn: '300ms' },
    ]);
    await send('pump', JSON.stringify({ state: 1, for: '300ms' }));
    await until(() => published('pump').join() === 'OFF,ON,OFF', 15_000, 'pulse on, then over');
    expect(output('pump').lastCommand).toMatchObject({ state: 0, source: 'pulse' });
    await send('fan', 'ON');
    await until(() => published('fan').join() === 'OFF,ON,OFF', 15_000, 'fan on, then off at maxOn');
    expect(output('fan').lastCommand).toMatchObject({ state: 0, source: 'maxOn' });
    // A pulse longer than maxOn is cut by maxOn too.
    await send('fan', JSON.stringify({ state: 1, for: '1h' }));
    await until(() => output('fan').lastCommand?.source === 'maxOn' && output('fan').state === 0, 15_000, 'maxOn bounds a pulse');
  });

  it('refuses a command older than maxCommandAge and a retained command, without touching the line', async () => {
    // A retained ON left on the broker from long ago: the agent must not act on it when it subscribes.
    await client.publishAsync(`${PREFIX}/pump/set`, 'ON', { qos: 1, retain: true });
    await start([{ id: 'pump', driver: 'gpio-output', pin: 17, maxCommandAge: '5s' }]);
    await until(() => agent!.hub.snapshot().outputRefusals.retained === 1, 15_000, 'retained refused');
    expect(output('pump')).toMatchObject({ state: 0, refused: 1, lastCommand: { source: 'initial' } });
    await send('pump', JSON.stringify({ state: 1, ts: Date.now() - 60_000 }));
    await until(() => agent!.hub.snapshot().outputRefusals['too-old'] === 1, 15_000, 'old command refused');
    await send('pump', JSON.stringify({ state: 1, ts: Date.now() }));
    await until(() => output('pump').state === 1, 15_000, 'fresh command');
    await client.publishAsync(`${PREFIX}/pump/set`, '', { qos: 1, retain: true });
  });

  it('goes to the safe state when the link is down for failsafeAfter, and after the reconnect publishes the state without re-applying', async () => {
    await start([
      { id: 'pump', driver: 'gpio-output', pin: 17, failsafeAfter: '500ms' },
      { id: 'light', driver: 'gpio-output', pin: 27, failsafeAfter: 'off' },
    ]);
    await send('pump', 'ON');
    await send('light', 'ON');
    await until(() => lastState('pump') === 'ON' && lastState('light') === 'ON', 15_000, 'both on');
    proxy.cut();
    await until(() => output('pump').state === 0, 15_000, 'pump to safe state');
    expect(output('pump').lastCommand).toMatchObject({ source: 'failsafe' });
    expect(output('light').state).toBe(1);
    proxy.restore();
    await until(() => lastState('pump') === 'OFF', 15_000, 'state published after reconnect');
    expect(output('pump').commands).toEqual({ mqtt: 1 });
    // The subscription is back on the new connection.
    await send('pump', 'ON');
    await until(() => lastState('pump') === 'ON', 15_000, 'command after reconnect');
  });

  it('refuses garbage, unknown outputs and floods with one log line per kind, counted, never changing the line', async () => {
    const { log, lines } = capturingLog();
    await start([{ id: 'pump', driver: 'gpio-output', pin: 17 }], {}, log);
    for (const payload of ['on', 'TRUE', '{"state":2}', '{"state":1,"x":1}', '{', 'x'.repeat(1000), '{"state":1,"for":"soon"}']) await send('pump', payload);
    await send('nosuch', 'ON');
    await until(() => Object.values(agent!.hub.snapshot().outputRefusals).reduce((a, b) => a + b, 0) === 8, 15_000, 'all refused');
    expect(agent!.hub.snapshot().outputRefusals).toMatchObject({ malformed: 6, oversized: 1, 'unknown-output': 1 });
    expect(output('pump')).toMatchObject({ state: 0, refused: 7, lastCommand: { source: 'initial' } });
    const refusedLines = lines.filter((line) => String(line.msg).startsWith('output command refused'));
    expect(refusedLines.filter((line) => line.reason === 'malformed')).toHaveLength(1);
    // A flood: 50 commands in one burst; the 100 ms gate lets the first through.
    await Promise.all(Array.from({ length: 50 }, (_, i) => send('pump', i % 2 === 0 ? 'ON' : 'OFF')));
    await until(() => (agent!.hub.snapshot().outputRefusals['rate-limited'] ?? 0) + (output('pump').commands.mqtt ?? 0) === 50, 15_000, 'flood handled');
    // How many get through depends on how fast the burst arrives (rate-limits.test.ts has the exact rule).
    expect(agent!.hub.snapshot().outputRefusals['rate-limited']).toBeGreaterThan(0);
    expect(lines.filter((line) => line.reason === 'rate-limited')).toHaveLength(1);
    const metrics = await fetch(`http://127.0.0.1:${agent!.statusAddress!.port}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/sensor_agent_output_commands_refused_total\{reason="malformed"\} 6/);
    expect(metrics).toMatch(/sensor_agent_output_state\{output="pump"\} [01]/);
  });

  const socket = (url: string, headers: Record<string, string> = {}) =>
    new Promise<{ ws: WebSocket; next: (type: string) => Promise<Record<string, unknown>> }>((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      const queue: Array<Record<string, unknown>> = [];
      const waiting: Array<() => void> = [];
      ws.on('message', (data) => {
        queue.push(JSON.parse(String(data)) as Record<string, unknown>);
        for (const wake of waiting.splice(0)) wake();
      });
      const next = async (type: string): Promise<Record<string, unknown>> => {
        for (;;) {
          const index = queue.findIndex((message) => message.type === type);
          if (index >= 0) return queue.splice(index, 1)[0]!;
          await new Promise<void>((wake) => waiting.push(wake));
        }
      };
      ws.once('open', () => resolve({ ws, next }));
      ws.once('error', reject);
    });

  it('keeps the page read-only without a token: the write is refused, counted and the line unchanged', async () => {
    await start([{ id: 'pump', driver: 'gpio-output', pin: 17 }]);
    const { ws, next } = await socket(`ws://127.0.0.1:${agent!.statusAddress!.port}/ws`);
    ws.send(JSON.stringify({ output: 'pump', state: 1 }));
    expect(await next('output')).toMatchObject({ output: 'pump', ok: false, error: expect.stringMatching(/read-only/) });
    expect(output('pump')).toMatchObject({ state: 0, refused: 1 });
    expect(agent!.hub.snapshot().outputRefusals['read-only']).toBe(1);
    ws.close();
  });

  it('with status.token set, an authenticated page switches and pulses an output, logged with the client address; one command per 100 ms', async () => {
    const { log, lines } = capturingLog();
    await start([{ id: 'pump', driver: 'gpio-output', pin: 17 }], { token: 'secret-token' }, log);
    const base = `ws://127.0.0.1:${agent!.statusAddress!.port}/ws`;
    await expect(socket(base)).rejects.toThrow(/401/);
    await expect(socket(`${base}?token=secret-token`, { Origin: 'http://evil.example' })).rejects.toThrow(/403/);
    const { ws, next } = await socket(`${base}?token=secret-token`);
    ws.send(JSON.stringify({ output: 'pump', state: 1, for: '200ms' }));
    ws.send(JSON.stringify({ output: 'pump', state: 0 }));
    // The refusal is answered at once, the command once the line confirmed it: either order.
    const answers = [await next('output'), await next('output')];
    expect(answers).toContainEqual({ type: 'output', output: 'pump', ok: true, state: 1 });
    expect(answers).toContainEqual(expect.objectContaining({ output: 'pump', ok: false, error: expect.stringMatching(/100 ms/) }));
    expect(output('pump').lastCommand?.source).toBe('page 127.0.0.1');
    await until(() => output('pump').state === 0 && output('pump').lastCommand?.source === 'pulse', 15_000, 'page pulse over');
    expect(lines.some((line) => line.msg === 'output command' && line.source === 'page 127.0.0.1')).toBe(true);
    ws.send(JSON.stringify({ output: 'pump', state: 'maybe' }));
    expect(await next('output')).toMatchObject({ ok: false });
    ws.close();
  });
});
