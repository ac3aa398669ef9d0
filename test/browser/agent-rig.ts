// A whole agent in-process for the browser test: simulated sensors and the host's own health,
// a store in a temp folder, the status port on an ephemeral port with a token, and MQTT through a
// TCP proxy to an Aedes broker so the test can cut the link.
import { join } from 'node:path';
import { pino } from 'pino';
import { startAgent, type RunningAgent } from '../../src/agent.js';
import { parseConfig } from '../../src/config/load.js';
import { startAedes, type AedesBroker } from '../helpers/broker.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { makeTempDir } from '../helpers/temp-dir.js';

export const statusToken = 'tok-browser-7c1e';
export const mqttPassword = 's3cret-browser-pass';

export interface AgentRig {
  agent: RunningAgent;
  proxy: TcpProxy;
  broker: AedesBroker;
  /** The page's address, token included. */
  pageUrl: string;
  stop(): Promise<void>;
}

export async function startAgentRig(): Promise<AgentRig> {
  const dir = await makeTempDir('status-page-');
  const broker = await startAedes();
  const proxy = await startTcpProxy(broker.port);
  const config = parseConfig(
    {
      device: { id: 'greenhouse-pi' },
      mqtt: { url: proxy.url, username: 'agent', password: mqttPassword, qos: 1, keepalive: '2s', reconnect: { min: '200ms', max: '500ms' } },
      store: { path: join(dir.path, 'buffer'), commitInterval: '200ms' },
      status: { listen: '127.0.0.1:0', token: statusToken },
      log: { level: 'warn' },
      sensors: [
        { id: 'greenhouse', driver: 'simulated', interval: '500ms', signal: 'sine', min: 15, max: 28, period: '20s' },
        // A meter whose count starts at 1000 on site: the page shows the reported value and the raw one.
        { id: 'water-meter', driver: 'simulated', interval: '1s', signal: 'counter', decimals: 0, filters: { value: [{ offset: 1000 }] } },
        { id: 'system', driver: 'system', interval: '2s' },
      ],
    },
    { env: {}, baseDir: dir.path, hostname: 'greenhouse-pi' },
  );
  const agent = await startAgent(config, pino({ level: 'silent' }));
  const address = agent.statusAddress;
  if (address === null) throw new Error('the status port is off');
  return {
    agent,
    proxy,
    broker,
    pageUrl: `http://127.0.0.1:${address.port}/?token=${statusToken}`,
    stop: async () => {
      await agent.stop();
      await proxy.stop();
      await broker.stop();
      await dir.cleanup();
    },
  };
}
