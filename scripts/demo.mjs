// `npm start`: runs the built agent on config/demo.yaml, with an embedded broker on
// 127.0.0.1:1883 unless something already listens there.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startDemoBroker } from './demo-broker.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const BROKER_PORT = 1883;

function listening(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

let broker = null;
if (await listening(BROKER_PORT)) {
  console.log(`demo: a broker already listens on 127.0.0.1:${BROKER_PORT}; using it`);
} else {
  broker = await startDemoBroker(BROKER_PORT);
  console.log(`demo: embedded Aedes broker on 127.0.0.1:${BROKER_PORT}`);
}
console.log(`demo: watch the readings:  npx mqtt sub -h 127.0.0.1 -p ${BROKER_PORT} -t 'sensors/#' -v`);
console.log('demo: status:              curl http://127.0.0.1:8080/status.json  (or open http://127.0.0.1:8080/)');
console.log('demo: stop with Ctrl-C\n');

const agent = spawn(process.execPath, ['dist/sensor-agent.js', 'run', '--config', 'config/demo.yaml'], {
  cwd: root,
  stdio: 'inherit',
  // Its own process group: Ctrl-C reaches the demo once, which passes it on exactly once.
  detached: true,
});
let signals = 0;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    // A second Ctrl-C means now: the agent's buffer is durable, nothing accepted is lost.
    agent.kill(++signals > 1 ? 'SIGKILL' : signal);
  });
}
agent.on('exit', async (code, signal) => {
  await Promise.race([broker?.close(), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
  process.exit(code ?? (signal ? 1 : 0));
});
