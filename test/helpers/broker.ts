// Real MQTT brokers for tests: Aedes in-process on an ephemeral loopback port, and Mosquitto as a
// child process when it is installed (CI installs it; locally its tests are skipped with a reason).
import { Aedes } from 'aedes';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, Socket, type Server } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from './temp-dir.js';

export interface TestBroker {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface AedesBroker extends TestBroker {
  aedes: Aedes;
}

export async function startAedes(port = 0): Promise<AedesBroker> {
  const aedes = await Aedes.createBroker();
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('aedes: no address');
  return {
    aedes,
    port: address.port,
    url: `mqtt://127.0.0.1:${address.port}`,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    },
  };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** Why Mosquitto tests cannot run here, or null when `mosquitto` is installed. */
export function mosquittoMissingReason(): string | null {
  const probe = spawnSync('sh', ['-c', 'command -v mosquitto || ls /usr/sbin/mosquitto'], { encoding: 'utf8' });
  return probe.status === 0 ? null : 'mosquitto is not installed (apt-get install mosquitto; .ci/run does)';
}

function mosquittoBinary(): string {
  const probe = spawnSync('sh', ['-c', 'command -v mosquitto || echo /usr/sbin/mosquitto'], { encoding: 'utf8' });
  return probe.stdout.trim();
}

export interface MosquittoOptions {
  port?: number;
  /** Keeps its in-memory state across restarts. */
  persistence?: boolean;
  /** More mosquitto.conf lines (limits: `max_inflight_messages 20`, `max_packet_size 1024`, ...). */
  settings?: string[];
  /** Logs (notice and up) to its stderr, which `log()` returns, instead of nowhere. */
  log?: boolean;
  /** Mosquitto's max_queued_messages (0: no limit); 100,000 by default. */
  maxQueuedMessages?: number;
}

/** Starts Mosquitto on a loopback port. */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<TestBroker & { restart(): Promise<void>; kill(): Promise<void>; log(): Promise<string> }> {
  const dir = await makeTempDir('mosquitto-');
  const port = options.port ?? (await freePort());
  const configFile = join(dir.path, 'mosquitto.conf');
  await writeFile(
    configFile,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      `persistence ${options.persistence ? 'true' : 'false'}`,
      `persistence_location ${dir.path}/`,
      // stderr, not a file: Mosquitto started as root drops to its own user, which cannot write our temp dir.
      options.log ? 'log_dest stderr' : 'log_dest none',
      // 0: no limit (a drained backlog larger than this would be dropped for a slower subscriber).
      `max_queued_messages ${options.maxQueuedMessages ?? 100000}`,
      ...(options.settings ?? []),
      '',
    ].join('\n'),
  );
  let child: ChildProcess | null = null;
  let logText = '';
  const launch = async (): Promise<void> => {
    child = spawn(mosquittoBinary(), ['-c', configFile], { stdio: ['ignore', 'ignore', options.log ? 'pipe' : 'ignore'] });
    child.stderr?.on('data', (chunk: Buffer) => void (logText += chunk.toString()));
    await waitForPort(port, 5000);
  };
  const kill = async (): Promise<void> => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGTERM');
    });
  };
  await launch();
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    kill,
    log: async () => logText,
    restart: async () => {
      await kill();
      await launch();
    },
    stop: async () => {
      await kill();
      await dir.cleanup();
    },
  };
}

export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
      socket.connect(port, '127.0.0.1');
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
