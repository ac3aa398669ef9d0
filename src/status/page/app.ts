// The status page's entry: keeps the latest snapshot and the sparkline history, renders them
// (on every message, and every second so ages and uptime move), and shows the link's state.
/// <reference lib="dom" />
import { History } from '../history.js';
import type { StatusSnapshot } from '../status-types.js';
import type { ServerMessage } from '../ws-protocol.js';
import { byId, fill, h } from './dom.js';
import { connectLive, socketUrl, type LinkState } from './live-socket.js';
import { bufferCard, deviceCard, mqttCard } from './render-overview.js';
import { gpioLines, sensorCard } from './render-sensors.js';
import { problems, verdictHeadline } from './verdict.js';
import { outputLines, type SendCommand } from './render-outputs.js';

const history = new History();
/** Per sensor, the ts of the reading last added to the history (a snapshot repeats it). */
const recorded = new Map<string, number>();
let status: StatusSnapshot | null = null;
let receivedAt = 0;
let link: LinkState = { kind: 'connecting' };
/** The agent's last answer to a command from this page, per output. */
const answers = new Map<string, string>();
let sendCommand: SendCommand | null = null;

function onMessage(message: ServerMessage): void {
  if (message.type === 'status') {
    status = message.data;
    receivedAt = Date.now();
    for (const sensor of status.sensors) {
      const last = sensor.lastReading;
      if (!last || recorded.get(sensor.id) === last.ts) continue;
      recorded.set(sensor.id, last.ts);
      history.record(sensor.id, last.ts, last.values);
    }
  } else if (message.type === 'history') {
    history.load(message.data);
  } else if (message.type === 'output') {
    answers.set(message.output, message.ok ? 'done' : `refused: ${message.error ?? 'unknown reason'}`);
  } else {
    return;
  }
  render();
}

function renderLink(): void {
  const line = byId('link');
  const down = link.kind === 'down';
  line.className = `link${down ? ' down' : ''}`;
  if (link.kind === 'live') line.textContent = '● Live';
  else if (link.kind === 'connecting') line.textContent = status ? 'Reconnecting…' : 'Connecting…';
  else line.textContent = `Connection to the device lost, retrying in ${Math.max(0, Math.ceil((link.retryAt - Date.now()) / 1000))} s`;
  // Figures from before the drop stay visible, dimmed: old data is better than none, if marked.
  byId('main').classList.toggle('stale', link.kind !== 'live' && status !== null);
}

function render(): void {
  renderLink();
  if (!status) return;
  // Ages count on from the device's clock at the last message, not the phone's clock.
  const now = status.time + (Date.now() - receivedAt);
  byId('device').textContent = status.device;
  document.title = `${status.device} · sensor-agent`;
  const found = problems(status, now);
  const verdict = byId('verdict');
  verdict.className = `verdict ${found.length ? 'bad' : 'ok'}`;
  if (found.length === 0) fill(verdict, verdictHeadline(found));
  else fill(verdict, verdictHeadline(found), h('ul', {}, ...found.map((problem) => h('li', {}, problem))));
  fill(byId('overview'), mqttCard(status, now), bufferCard(status, now), deviceCard(status, now));
  fill(byId('gpio'), gpioLines(status.sensors, now));
  fill(byId('outputs'), outputLines(status.outputs ?? [], now, sendCommand, answers));
  const sensors = status.sensors;
  fill(byId('sensors'), ...(sensors.length ? sensors.map((sensor) => sensorCard(sensor, history, now)) : [h('p', { class: 'note' }, 'No sensors configured.')]));
  byId('main').setAttribute('aria-busy', 'false');
}

const send = connectLive(socketUrl(location), {
  message: onMessage,
  state: (state) => {
    link = state;
    renderLink();
  },
});
// Buttons only with a token in the address: without one the agent refuses every write anyway.
if (new URLSearchParams(location.search).has('token')) {
  sendCommand = (command) => {
    answers.set(command.output, send(JSON.stringify(command)) ? 'sent…' : 'not sent: not connected');
    render();
  };
}
setInterval(render, 1_000);
