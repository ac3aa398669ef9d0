// The fleet view's rows (docs/fleet.md): one per device found under a prefix, from its retained
// health message (`<prefix>/<device>/health`) and device status (`<prefix>/<device>/status`,
// whose last will says `offline`), with the status page's verdict and problem lines
// (src/health/health-verdict.ts), sorted worst first: offline, unhealthy or unknown, needing
// attention (most problems first), all good; by device id within each.
import { decodeHealth, type HealthMessage } from '../health/health-message.js';
import { healthProblems } from '../health/health-verdict.js';
import { duration } from '../status/page/format.js';
import { ALL_GOOD, verdictHeadline } from '../status/page/verdict.js';

export type Standing = 'offline' | 'unwell' | 'attention' | 'good';
const RANK: Record<Standing, number> = { offline: 0, unwell: 1, attention: 2, good: 3 };

export interface FleetRow {
  device: string;
  standing: Standing;
  /** The status page's first line (ALL_GOOD, "Needs attention (2):"), or the fleet's own for offline and unknown devices. */
  verdict: string;
  /** The problems, in the page's words. */
  problems: string[];
  /** The status topic's state, when the device has one. */
  status: 'online' | 'offline' | null;
  health: HealthMessage | null;
}

/** A health message older than this many intervals (and a minute) while the device is online is stale. */
const STALE_INTERVALS = 3;

export function fleetTopics(prefix: string): string[] {
  return [`${prefix}/+/health`, `${prefix}/+/status`];
}

/** The rows for the messages collected under `prefix`, worst first. `now`: this machine's clock, for staleness only. */
export function fleetRows(messages: ReadonlyMap<string, string>, prefix: string, now: number): FleetRow[] {
  const devices = new Map<string, { health?: string; status?: string }>();
  for (const [topic, payload] of messages) {
    const match = topic.startsWith(`${prefix}/`) ? /^([^/]+)\/(health|status)$/.exec(topic.slice(prefix.length + 1)) : null;
    if (!match || payload === '') continue; // an empty retained payload clears the topic
    const entry = devices.get(match[1]!) ?? {};
    entry[match[2] as 'health' | 'status'] = payload;
    devices.set(match[1]!, entry);
  }
  const rows = [...devices].map(([device, found]) => rowOf(device, found.health, statusState(found.status), now));
  return rows.sort((a, b) => RANK[a.standing] - RANK[b.standing] || b.problems.length - a.problems.length || a.device.localeCompare(b.device));
}

function rowOf(device: string, healthText: string | undefined, status: FleetRow['status'], now: number): FleetRow {
  const decoded = healthText === undefined ? undefined : decodeHealth(healthText);
  const health = decoded && 'message' in decoded ? decoded.message : null;
  const found = health ? healthProblems(health) : [];
  const row = (standing: Standing, verdict: string, problems: string[]): FleetRow => ({ device, standing, verdict, problems, status, health });
  if (status === 'offline') {
    const last = health ? [`Its last health message (${duration(Math.max(0, now - health.ts))} ago) said: ${found.length === 0 ? ALL_GOOD : found.join(' ')}`] : [];
    return row('offline', 'Offline: the broker holds its last will (status offline).', last);
  }
  if (decoded && 'error' in decoded) return row('unwell', `Unreadable health message: ${decoded.error}.`, []);
  if (!health) return row('unwell', 'No health message (mqtt.healthInterval off, or an agent without health telemetry).', []);
  const staleAfterMs = health.interval * 1000 * STALE_INTERVALS + 60_000;
  if (health.interval > 0 && health.clock.synchronized === true && now - health.ts > staleAfterMs) {
    return row('unwell', `No health message for ${duration(now - health.ts)} (expected every ${duration(health.interval * 1000)}).`, found);
  }
  if (!health.healthy) return row('unwell', `Unhealthy: ${health.reason ?? 'see below'}.`, found);
  return row(found.length === 0 ? 'good' : 'attention', verdictHeadline(found), found);
}

function statusState(text: string | undefined): FleetRow['status'] {
  if (text === undefined) return null;
  try {
    const state = (JSON.parse(text) as { state?: unknown } | null)?.state;
    if (state === 'online' || state === 'offline') return state;
  } catch {
    // a plain-text status (older agents, other tools)
  }
  const plain = text.trim().toLowerCase();
  return plain === 'online' || plain === 'offline' ? plain : null;
}

/** The fleet's exit code: 0 when every device is all good, 2 when any is not (or none was found). */
export function fleetExitCode(rows: readonly FleetRow[]): 0 | 2 {
  return rows.length > 0 && rows.every((row) => row.standing === 'good') ? 0 : 2;
}
