// Remote configuration (issue 22): takes a whole config from <topicPrefix>/config/set, checks it
// (signature, replay, locked keys, the same validation as check-config), records it as pending in
// the state directory, restarts the agent's parts with it, and keeps it only when it is healthy
// within remote.healthTimeout: otherwise the previous config is restored. Every message gets an
// answer on <topicPrefix>/config/result when it has an id. At start it picks the config to run:
// the good override, or, when the last one was never marked good (the agent died applying it),
// the one before, and says so. The buffer is never touched: restarts go through RemoteTarget.
import type { Logger } from 'pino';
import type { Config, ConfigContext } from '../config/schema.js';
import { applyEnvOverrides } from '../config/env.js';
import { ConfigError } from '../config/errors.js';
import { parseConfig } from '../config/load.js';
import type { MqttClient, IPublishPacket } from '../mqtt/client-types.js';
import type { MqttConnection } from '../mqtt/connection.js';
import { parseConfigMessage, type ConfigMessage } from './config-message.js';
import { healthAfter, waitHealthy, type HealthAfter, type HealthInputs } from './health-gate.js';
import { lockedChanges, withLockedFromLocal } from './locked-keys.js';
import { EMPTY_STATE, overridePath, readOverride, writeOverride, type OverrideEntry, type OverrideState } from './override-store.js';
import { signatureVerifies } from './signature.js';

export const configSetTopic = (prefix: string): string => `${prefix}/config/set`;
export const configResultTopic = (prefix: string): string => `${prefix}/config/result`;

/** The local config as its file has it (after SENSOR_AGENT_* overrides), and what resolving it needs. */
export interface ConfigSource {
  raw: Record<string, unknown>;
  context: ConfigContext;
}

/** What the controller needs of the agent: restart its parts with a config, and look at their health. */
export interface RemoteTarget {
  /** Stops the running parts and starts them with `config`; rejects when they cannot start. */
  restart(config: Config): Promise<void>;
  health(): HealthInputs;
}

export interface ConfigResult {
  id: string | null;
  accepted: boolean;
  errors: string[];
  /** ISO time the config was applied; null when it never was. */
  appliedAt: string | null;
  version?: number;
  /** Applied, then the previous config was restored. */
  rolledBack?: boolean;
  health: HealthAfter | null;
}

export interface RemoteConfigOptions {
  /** The local file's config (its `remote` section rules). */
  local: Config;
  source: ConfigSource;
  target: RemoteTarget;
  log: Logger;
}

type Resolved = { ok: true; config: Config; raw: Record<string, unknown> } | { ok: false; errors: string[] };

export class RemoteConfig {
  private readonly path: string;
  private state: OverrideState = EMPTY_STATE;
  /** The config the parts run with, and the override it came from (null: the local file). */
  private current: { config: Config; entry: OverrideEntry | null };
  private connection: MqttConnection | null = null;
  private client: MqttClient | null = null;
  private topicPrefix = '';
  private readonly outbox: Array<{ topic: string; payload: string }> = [];
  private applying: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly options: RemoteConfigOptions) {
    this.path = overridePath(options.local.store.path);
    this.current = { config: options.local, entry: null };
  }

  /** The config to start with: the good override, the local file, or (after a crash mid-apply) the one before. */
  async startConfig(): Promise<Config> {
    const { log } = this.options;
    try {
      this.state = await readOverride(this.path);
    } catch (error) {
      log.error({ err: error, path: this.path }, 'the remote config record cannot be read; starting with the local config file');
      this.state = EMPTY_STATE;
      return this.options.local;
    }
    const { pending, good } = this.state;
    if (pending !== null) {
      const why = `remote config ${pending.id} was applied at ${pending.appliedAt} but never marked good (the agent stopped or crashed before it was healthy): rolled back to ${good === null ? 'the local config file' : `remote config ${good.id}`}`;
      log.warn({ id: pending.id, version: pending.version, path: this.path }, why);
      this.state = { ...this.state, pending: null };
      await writeOverride(this.path, this.state);
      this.queueResult(null, { id: pending.id, accepted: false, errors: [why], appliedAt: pending.appliedAt, ...(pending.version !== undefined ? { version: pending.version } : {}), rolledBack: true, health: null });
    }
    if (this.state.good === null) return this.options.local;
    const resolved = this.resolve(this.state.good.config, false);
    if (!resolved.ok) {
      log.error({ id: this.state.good.id, problems: resolved.errors }, 'the good remote config no longer fits the local config file; starting with the local file');
      return this.options.local;
    }
    log.info({ id: this.state.good.id, version: this.state.good.version, appliedAt: this.state.good.appliedAt, path: this.path }, 'starting with the remote config override');
    this.current = { config: resolved.config, entry: this.state.good };
    return resolved.config;
  }

  /** The override startConfig chose could not start: the local file is in effect from now on, and the result says why. */
  async abandonOverride(reason: string): Promise<void> {
    const entry = this.current.entry;
    if (entry === null) return;
    const why = `remote config ${entry.id} was good, but ${reason}: starting with the local config file`;
    this.options.log.error({ id: entry.id, version: entry.version, path: this.path }, why);
    this.state = { ...this.state, good: null, pending: null };
    await writeOverride(this.path, this.state);
    this.current = { config: this.options.local, entry: null };
    this.queueResult(null, { id: entry.id, accepted: false, errors: [why], appliedAt: entry.appliedAt, ...(entry.version !== undefined ? { version: entry.version } : {}), rolledBack: true, health: null });
  }

  /** Listens on the running parts' link (after each start of the parts). */
  attach(connection: MqttConnection, topicPrefix: string): void {
    this.detach();
    this.connection = connection;
    this.topicPrefix = topicPrefix;
    connection.on('up', this.onUp);
    connection.on('down', this.onDown);
    if (connection.client !== null && connection.isConnected) this.onUp(connection.client);
  }

  /** Lets go of the link (before the parts stop). */
  detach(): void {
    this.connection?.off('up', this.onUp);
    this.connection?.off('down', this.onDown);
    this.onDown();
    this.connection = null;
  }

  /** Ends a health wait in progress (the agent is stopping: the override stays pending, rolled back at the next start). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.applying?.catch(() => undefined);
    this.detach();
  }

  private readonly onUp = (client: MqttClient): void => {
    this.client?.off('message', this.onMessage);
    this.client = client;
    client.on('message', this.onMessage);
    const topic = configSetTopic(this.topicPrefix);
    client.subscribe(topic, { qos: 1 }, (error, granted) => {
      const refused = granted?.some((grant) => grant.qos >= 0x80) ?? false;
      if (error || refused) this.options.log.error({ topic, err: error?.message }, 'the broker refused the config/set subscription: remote configuration is unavailable');
      else this.options.log.info({ topic }, 'subscribed to remote configuration');
    });
    this.flush();
  };

  private readonly onDown = (): void => {
    this.client?.off('message', this.onMessage);
    this.client = null;
  };

  private readonly onMessage = (topic: string, payload: Buffer, packet: IPublishPacket): void => {
    if (topic !== configSetTopic(this.topicPrefix)) return;
    const { log } = this.options;
    // A retained config would come back on every reconnect: remote configs are one-shot commands.
    if (packet.retain) {
      log.warn({ topic }, 'remote config: a retained message on config/set is ignored (publish it without retain)');
      return;
    }
    const parsed = parseConfigMessage(payload);
    if (!parsed.ok) {
      log.warn({ id: parsed.id, errors: parsed.errors }, 'remote config refused: the message cannot be read');
      if (parsed.id !== null) this.queueResult(this.topicPrefix, { id: parsed.id, accepted: false, errors: parsed.errors, appliedAt: null, health: null });
      return;
    }
    if (this.applying !== null) {
      this.queueResult(this.topicPrefix, { id: parsed.message.id, accepted: false, errors: ['another remote config is being applied; send this one again after its result'], appliedAt: null, health: null });
      return;
    }
    const replyPrefix = this.topicPrefix;
    this.applying = this.apply(parsed.message, replyPrefix)
      .catch((error: unknown) => {
        // The previous config could not be started again, or the record not updated: the process
        // ends (exit 1, the CLI's unhandled-rejection handler) and the next start finds the
        // override pending and starts with the good config, as after any crash mid-apply.
        log.fatal({ err: error }, 'remote config: applying or restoring failed; exiting so the next start restores the good config');
        throw error;
      })
      .finally(() => (this.applying = null));
  };

  /**
   * The local file's rules laid over a remote config, then check-config's validation. A new config
   * that sets a locked key differently is refused; an override already accepted (`refuseLocked`
   * false, at start) just takes the local file's values, which may have been edited since.
   */
  private resolve(remoteRaw: Record<string, unknown>, refuseLocked = true): Resolved {
    const { source, local } = this.options;
    const raw = structuredClone(remoteRaw);
    const errors = applyEnvOverrides(raw, source.context.env);
    if (refuseLocked) errors.push(...lockedChanges(source.raw, raw, local.remote.locked));
    const merged = withLockedFromLocal(source.raw, raw, local.remote.locked);
    try {
      const config = parseConfig(merged, source.context);
      return errors.length === 0 ? { ok: true, config, raw: merged } : { ok: false, errors };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return { ok: false, errors: [...errors, ...error.problems] };
    }
  }

  /** Every reason to refuse the message before anything is touched. */
  private check(message: ConfigMessage): Resolved {
    const { remote } = this.options.local;
    const errors: string[] = [];
    if (remote.publicKey !== undefined) {
      if (message.signature === undefined) errors.push('signature: missing (remote.publicKey is set: only signed configs are accepted; see sensor-agent sign-config)');
      else if (!signatureVerifies(remote.publicKey.key, message.config, message.version, message.signature)) errors.push('signature: does not verify with remote.publicKey (signed with another key, or the config or version was changed after signing)');
      if (message.version === undefined) errors.push('version: missing (signed configs carry a version, higher than the last one applied)');
    }
    if (message.version !== undefined && message.version <= this.state.lastVersion) {
      errors.push(`version: ${message.version} is not newer than the last applied version ${this.state.lastVersion} (a replayed or out-of-date config)`);
    }
    // A config that fails the signature is not looked into further: its errors would come from an unknown sender.
    if (errors.some((line) => line.startsWith('signature:'))) return { ok: false, errors };
    const resolved = this.resolve(message.config);
    if (!resolved.ok) return { ok: false, errors: [...errors, ...resolved.errors] };
    return errors.length > 0 ? { ok: false, errors } : resolved;
  }

  private async apply(message: ConfigMessage, replyPrefix: string): Promise<void> {
    const { log, target } = this.options;
    const { id, version } = message;
    const versioned = version !== undefined ? { version } : {};
    log.info({ id, ...versioned }, 'remote config received');
    const checked = this.check(message);
    if (!checked.ok) {
      log.warn({ id, errors: checked.errors }, 'remote config refused');
      this.queueResult(replyPrefix, { id, accepted: false, errors: checked.errors, appliedAt: null, ...versioned, health: null });
      return;
    }
    const before = target.health();
    const failedBefore = new Set(before.sensors.filter((sensor) => sensor.state === 'failed').map((sensor) => sensor.id));
    const previous = this.current;
    const entry: OverrideEntry = { id, ...versioned, appliedAt: new Date().toISOString(), config: message.config };
    // Pending first: if the agent dies from here on, the next start restores the good config. A
    // record that cannot be written (a full disk) refuses the config: unrecorded, it could not be
    // rolled back after a crash. Later writes that fail end the process (exit 1), which the next
    // start handles as that crash.
    const pendingState: OverrideState = { good: this.state.good, pending: entry, lastVersion: Math.max(this.state.lastVersion, version ?? 0) };
    try {
      await writeOverride(this.path, pendingState);
    } catch (error) {
      const line = `the override cannot be written to ${this.path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): nothing was changed`;
      log.error({ id, err: error }, `remote config refused: ${line}`);
      this.queueResult(replyPrefix, { id, accepted: false, errors: [line], appliedAt: null, ...versioned, health: null });
      return;
    }
    this.state = pendingState;
    let view: HealthAfter | null = null;
    let failure: string | null = null;
    try {
      await target.restart(checked.config);
      log.info({ id, ...versioned, healthTimeoutMs: this.options.local.remote.healthTimeout }, 'remote config applied; waiting for it to be healthy');
      view = await waitHealthy(() => healthAfter(target.health(), failedBefore), this.options.local.remote.healthTimeout, () => this.stopped);
      if (this.stopped) return;
      if (!view.healthy) failure = `not healthy within ${this.options.local.remote.healthTimeout} ms: ${view.reasons.join('; ')}`;
    } catch (error) {
      failure = `the agent could not start with it: ${(error as Error).message}`;
    }
    if (failure === null) {
      this.state = { ...this.state, good: entry, pending: null };
      await writeOverride(this.path, this.state);
      this.current = { config: checked.config, entry };
      log.info({ id, ...versioned }, 'remote config is healthy: marked good');
      this.queueResult(replyPrefix, { id, accepted: true, errors: [], appliedAt: entry.appliedAt, ...versioned, health: view });
      return;
    }
    log.warn({ id, ...versioned, reason: failure }, `remote config rolled back to ${previous.entry === null ? 'the local config file' : `remote config ${previous.entry.id}`}`);
    await target.restart(previous.config);
    this.state = { ...this.state, pending: null };
    await writeOverride(this.path, this.state);
    const restored = previous.entry === null ? 'the local config file' : `remote config ${previous.entry.id}`;
    this.queueResult(replyPrefix, { id, accepted: false, errors: [failure, `rolled back to ${restored}`], appliedAt: entry.appliedAt, ...versioned, rolledBack: true, health: view });
  }

  /** Publishes on the prefix the request came in on (null: the running config's), now or once connected. */
  private queueResult(prefix: string | null, result: ConfigResult): void {
    this.outbox.push({ topic: prefix === null ? '' : configResultTopic(prefix), payload: JSON.stringify(result) });
    this.flush();
  }

  private flush(): void {
    const client = this.client;
    if (client === null) return;
    for (const item of this.outbox.splice(0)) {
      const topic = item.topic === '' ? configResultTopic(this.topicPrefix) : item.topic;
      client.publish(topic, item.payload, { qos: 1 }, (error) => {
        if (error) this.options.log.warn({ topic, err: error.message }, 'remote config: the result could not be published');
      });
    }
  }
}
