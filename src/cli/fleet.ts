// `sensor-agent fleet --broker URL [--prefix PREFIX] [--wait DURATION] [--json]` (docs/fleet.md):
// collects the retained health and status messages under a prefix for a while, prints one row per
// device worst first with the status page's verdict, and exits 0 when every device is all good,
// 2 when any is not (offline, unwell, needing attention, or none found), 1 when the broker cannot
// be reached.
import { BrokerUnreachable, collectRetained } from '../mqtt/retained-collector.js';
import { parseDuration } from '../schema/units.js';
import { duration } from '../status/page/format.js';
import { fleetExitCode, fleetRows, fleetTopics, type FleetRow } from './fleet-view.js';

export const DEFAULT_FLEET_PREFIX = 'sensors';
export const DEFAULT_FLEET_WAIT = '2s';
export const EXIT_FLEET_UNREACHABLE = 1;

export interface FleetArgs {
  broker: string | undefined;
  prefix: string | undefined;
  wait: string | undefined;
  json: boolean;
}

interface Out {
  write(text: string): unknown;
}

export async function runFleet(args: FleetArgs, stdout: Out, stderr: Out): Promise<number> {
  const problem = argsProblem(args);
  if (problem !== undefined) {
    stderr.write(`sensor-agent fleet: ${problem}; see 'sensor-agent --help'\n`);
    return EXIT_FLEET_UNREACHABLE;
  }
  const prefix = (args.prefix ?? DEFAULT_FLEET_PREFIX).replace(/\/+$/, '');
  const waitMs = parseDuration(args.wait ?? DEFAULT_FLEET_WAIT)!;
  let messages;
  try {
    messages = await collectRetained({ url: args.broker!, topics: fleetTopics(prefix), waitMs });
  } catch (error) {
    if (!(error instanceof BrokerUnreachable)) throw error;
    stderr.write(`sensor-agent fleet: ${error.message}\n`);
    return EXIT_FLEET_UNREACHABLE;
  }
  const rows = fleetRows(messages, prefix, Date.now());
  if (args.json) stdout.write(`${JSON.stringify(rows.map(jsonRow), null, 2)}\n`);
  else if (rows.length === 0) stdout.write(`No device has a health or status message under ${prefix}/+ (is the prefix right? --prefix is what comes before the device id in the topics).\n`);
  else stdout.write(fleetTable(rows));
  return fleetExitCode(rows);
}

function argsProblem(args: FleetArgs): string | undefined {
  if (args.broker === undefined || args.broker === '') return 'needs --broker URL (e.g. --broker mqtt://broker.local:1883)';
  try {
    new URL(args.broker);
  } catch {
    return `--broker ${args.broker} is not a URL (e.g. mqtt://broker.local:1883)`;
  }
  if (args.prefix !== undefined && /[+#]/.test(args.prefix)) return `--prefix ${args.prefix} must not contain the MQTT wildcards + or #`;
  if (args.wait !== undefined && (!/[a-z]\s*$/.test(args.wait) || parseDuration(args.wait) === undefined)) return `--wait ${args.wait} is not a duration with its unit (e.g. 2s, 500ms)`;
  return undefined;
}

/** Terminals and scripts read plain spaces; the page's non-breaking ones are for narrow screens. */
const plain = (text: string): string => text.replaceAll('\u00a0', ' ');

const COLUMNS = ['DEVICE', 'SENSORS', 'BACKLOG', 'UPTIME', 'VERSION', 'VERDICT'] as const;

/** One line per device, its problems indented below it. */
export function fleetTable(rows: readonly FleetRow[]): string {
  const cells = rows.map((row) => [
    row.device,
    row.health ? `${row.health.sensors.ok}/${row.health.sensors.total} ok` : '-',
    row.health ? String(row.health.buffer.backlog) : '-',
    row.health ? plain(duration(row.health.uptime * 1000)) : '-',
    row.health?.version ?? '-',
    plain(row.verdict),
  ]);
  const widths = COLUMNS.map((title, i) => Math.max(title.length, ...cells.map((line) => line[i]!.length)));
  const line = (values: readonly string[]): string => values.map((value, i) => (i === values.length - 1 ? value : value.padEnd(widths[i]!))).join('  ');
  const out = [line(COLUMNS)];
  rows.forEach((row, i) => {
    out.push(line(cells[i]!));
    for (const problem of row.problems) out.push(`    - ${plain(problem)}`);
  });
  const counts = (['offline', 'unwell', 'attention', 'good'] as const).map((standing) => `${rows.filter((row) => row.standing === standing).length} ${standing === 'good' ? 'all good' : standing === 'attention' ? 'needing attention' : standing}`);
  out.push('', `${rows.length} device${rows.length === 1 ? '' : 's'}: ${counts.join(', ')}`);
  return `${out.join('\n')}\n`;
}

function jsonRow(row: FleetRow): Record<string, unknown> {
  return { device: row.device, standing: row.standing, verdict: plain(row.verdict), problems: row.problems.map(plain), status: row.status, health: row.health };
}
