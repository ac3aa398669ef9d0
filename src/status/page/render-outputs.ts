// The Outputs section: each output's confirmed state (and the wire level of a simulated line), its
// last command with source and age, refusals and the last line error; with a token in the page's
// address, buttons to switch or pulse it (the agent still decides: without status.token set it
// refuses every write, and the answer is shown).
/// <reference lib="dom" />
import type { OutputStatus } from '../../outputs/output-controller.js';
import { h } from './dom.js';
import { ago } from './format.js';
import { breakable } from './breakable.js';

export type SendCommand = (command: { output: string; state: 0 | 1; for?: string }) => void;

const PULSE = '5s';

function stateText(state: 0 | 1 | null): HTMLElement {
  if (state === null) return h('strong', { class: 'bad' }, 'unknown');
  return h('strong', { class: state === 1 ? 'warn' : '' }, state === 1 ? 'ON' : 'OFF');
}

function controls(output: OutputStatus, send: SendCommand): HTMLElement {
  const button = (label: string, command: Parameters<SendCommand>[0]): HTMLElement => {
    const element = h('button', { type: 'button', 'data-command': label }, label);
    element.addEventListener('click', () => send(command));
    return element;
  };
  return h('span', { class: 'controls' }, button('On', { output: output.id, state: 1 }), ' ', button('Off', { output: output.id, state: 0 }), ' ', button(`Pulse ${PULSE}`, { output: output.id, state: 1, for: PULSE }));
}

export function outputLines(outputs: OutputStatus[], now: number, send: SendCommand | null, answers: ReadonlyMap<string, string>): HTMLElement {
  if (outputs.length === 0) return h('p', { class: 'note' }, 'No outputs configured.');
  const lines = h('ul', { class: 'gpio' });
  for (const output of outputs) {
    const last = output.lastCommand;
    lines.appendChild(
      h(
        'li',
        { 'data-output': output.id },
        `${output.id} (BCM ${output.pin}${output.activeLow ? ', active low' : ''}): `,
        stateText(output.state),
        output.simulatedWire !== undefined ? ` · simulated wire ${output.simulatedWire}` : null,
        last ? ` · last command ${last.state === 1 ? 'ON' : 'OFF'}${last.forMs !== null ? ` for ${last.forMs} ms` : ''} from ${last.source}, ${ago(now - last.at)}` : null,
        output.refused > 0 ? h('span', { class: 'warn' }, ` · ${output.refused} refused`) : null,
        send ? controls(output, send) : null,
        answers.has(output.id) ? h('span', { class: 'note', 'data-answer': output.id }, ` ${answers.get(output.id)}`) : null,
        output.lastError ? h('p', { class: 'err' }, breakable(output.lastError)) : null,
      ),
    );
  }
  if (!send) lines.appendChild(h('li', { class: 'note' }, 'Read-only: open this page with ?token=… (status.token must be set) to switch outputs.'));
  return lines;
}
