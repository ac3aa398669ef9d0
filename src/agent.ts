// The composition root: wires buffer, status port, MQTT and sensors, and owns the lifecycle
// (design.md, "Lifecycle"): start in order, unwind what started when a later start fails,
// stop in reverse.
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Config } from './config/schema.js';
import { ReadingBuffer } from './buffer/index.js';
import { StatusHub } from './status/status-hub.js';
import { StatusServer } from './status/status-server.js';
import { MqttConnection } from './mqtt/connection.js';
import { Publisher } from './mqtt/publisher.js';
import { Routes } from './mqtt/topics.js';
import { BROKER_PROFILES, type BrokerProfile } from './mqtt/broker-profiles.js';
import { displayUrl, type MqttLinkOptions } from './mqtt/client-options.js';
import { SensorSchedule } from './sampling/sensor-schedule.js';
import { filtersFor, ReadingIntake } from './sampling/reading-intake.js';
import { bindDriver } from './sensors/bound-driver.js';
import { createHardware } from './hardware/create-hardware.js';
import { OutputSet } from './outputs/output-set.js';
import { MqttOutputCommands } from './outputs/mqtt-commands.js';
import { pageCommands } from './outputs/page-commands.js';
import { version } from './version.js';
import { resolveClientId } from './mqtt/client-id.js';
import { ClockMonitor } from './clock/clock-monitor.js';
import { systemClockSource } from './clock/system-clock-source.js';
import type { ClockSource } from './clock/clock-source.js';
import { createHomeAssistant } from './homeassistant/create.js';

export interface RunningAgent {
  hub: StatusHub;
  buffer: ReadingBuffer;
  /** The status port's real address (port 0 in the config means an ephemeral port), or null when off. */
  statusAddress: { host: string; port: number } | null;
  stop(): Promise<void>;
}

/**
 * What the agent takes from its host besides the config; every field defaults to the real one.
 * Tests replace the clock (the kernel's time state is the hardware here).
 */
export interface AgentHost {
  clockSource?: ClockSource;
  /** The wall clock readings are stamped with. */
  now?: () => number;
  /** The monotonic clock (CLOCK_MONOTONIC, ms). */
  monoNow?: () => number;
  /** This boot's id (clock marks). */
  bootId?: string;
}

interface Part {
  name: string;
  stop(): Promise<void>;
}

async function linkOptions(config: Config, statusTopic: string): Promise<MqttLinkOptions> {
  const { mqtt } = config;
  const link: MqttLinkOptions = {
    url: mqtt.url,
    clientId: resolveClientId(mqtt.clientId),
    protocolVersion: mqtt.protocolVersion,
    keepaliveMs: mqtt.keepalive,
    statusTopic,
  };
  if (mqtt.username !== undefined) link.username = mqtt.username;
  if (mqtt.password !== undefined) link.password = mqtt.password;
  if (mqtt.tls) {
    const read = (file: string | undefined) => (file === undefined ? undefined : readFile(file));
    const [ca, cert, key] = await Promise.all([read(mqtt.tls.ca), read(mqtt.tls.cert), read(mqtt.tls.key)]);
    link.tls = { rejectUnauthorized: mqtt.tls.rejectUnauthorized };
    if (ca) link.tls.ca = ca;
    if (cert) link.tls.cert = cert;
    if (key) link.tls.key = key;
  }
  return link;
}

export async function startAgent(config: Config, log: Logger, host: AgentHost = {}): Promise<RunningAgent> {
  const started: Part[] = [];
  const unwind = async (): Promise<void> => {
    for (const part of started.reverse()) {
      try {
        await part.stop();
      } catch (error) {
        log.error({ err: error, part: part.name }, 'stopping a part failed');
      }
    }
  };

  try {
    // Outputs first (issue 18): every output line is at its `initial` level before anything else
    // runs, so a restart (the watchdog's too) never leaves a relay as the last run left it.
    const hardwareLog = log.child({ part: 'hardware' });
    const hardware = createHardware(
      config,
      (message) => hardwareLog.warn(message),
      (message) => hardwareLog.info(message),
    );
    started.push({ name: 'hardware', stop: () => hardware.close() });
    const outputs = new OutputSet({ outputs: config.outputs, gpio: hardware.gpio, log: log.child({ part: 'outputs' }), ...(host.now ? { now: host.now } : {}) });
    await outputs.start();
    // Stopped last: the lines are released only after everything else stopped (they are at their
    // safe state since 'outputs-safe' below); a failed start unwinds to safe states here too.
    started.push({ name: 'outputs', stop: () => outputs.stop() });

    const clock = new ClockMonitor({
      source: host.clockSource ?? systemClockSource(),
      log: log.child({ part: 'clock' }),
      ...(host.now ? { now: host.now } : {}),
      ...(host.monoNow ? { monoNow: host.monoNow } : {}),
      ...(host.bootId !== undefined ? { bootId: host.bootId } : {}),
    });
    // Its first look (a file, maybe timedatectl) runs while the buffer opens; sensors wait for it.
    const clockReady = clock.start();
    started.push({ name: 'clock', stop: async () => (await clockReady.catch(() => undefined), clock.stop()) });

    // Before anything starts: a {hardwareId} this device cannot supply is a config problem.
    const iotHub = config.mqtt.profile === 'azure-iot-hub';
    const routes = new Routes({ topicPrefix: config.mqtt.topicPrefix, qos: config.mqtt.qos, retain: config.mqtt.retain, layout: iotHub ? 'iot-hub' : 'paths' }, config.sensors);
    const link = await linkOptions(config, routes.statusTopic);
    const brokerProfile: BrokerProfile | undefined = config.mqtt.brokerProfile && BROKER_PROFILES[config.mqtt.brokerProfile];
    if (config.mqtt.profile !== undefined && brokerProfile && !brokerProfile.retainAvailable) link.willRetain = false;
    const buffer = new ReadingBuffer(
      {
        path: config.store.path,
        maxBytes: config.store.maxBytes,
        keepFree: config.store.keepFree,
        ...(config.store.maxReadings !== undefined ? { maxReadings: config.store.maxReadings } : {}),
        overflow: config.store.overflow,
        commitIntervalMs: config.store.commitInterval,
        timeCorrection: (mark) => clock.correct(mark),
      },
      log.child({ part: 'buffer' }),
    );
    await buffer.start();
    started.push({ name: 'buffer', stop: () => buffer.stop() });
    log.info({ path: config.store.path, ...buffer.stats() }, 'buffer open');

    const hub = new StatusHub({
      device: config.device.id,
      version,
      mqttUrl: displayUrl(config.mqtt.url),
      clientId: link.clientId,
      bufferStats: () => buffer.stats(),
      clockStatus: () => clock.status(),
      outputs: () => ({ outputs: outputs.snapshot(), refusals: { ...outputs.refusals } }),
    });
    outputs.on('change', () => hub.outputsChanged());
    buffer.on('appended', () => hub.bufferChanged());
    clock.on('change', () => hub.clockChanged());

    let statusAddress: RunningAgent['statusAddress'] = null;
    if (config.status.listen !== 'off') {
      const server = new StatusServer({
        listen: config.status.listen,
        hub,
        log: log.child({ part: 'status' }),
        maxClients: config.status.maxClients,
        ...(config.status.token !== undefined ? { token: config.status.token } : {}),
        outputs: pageCommands(outputs),
      });
      await server.start();
      started.push({ name: 'status', stop: () => server.stop() });
      statusAddress = server.address();
      log.info(statusAddress, 'status port listening');
    }

    const connection = new MqttConnection(
      link,
      { minMs: config.mqtt.reconnect.min, maxMs: config.mqtt.reconnect.max, floorMs: brokerProfile ? brokerProfile.minConnectIntervalMs : undefined },
      log.child({ part: 'mqtt' }),
    );
    const publisher = new Publisher({
      connection,
      source: buffer,
      routes,
      maxInflight: config.mqtt.maxInflight,
      maxPacketSize: config.mqtt.maxPacketSize,
      profile: brokerProfile,
      version,
      log: log.child({ part: 'mqtt' }),
      batch: config.mqtt.batch && { maxReadings: config.mqtt.batch.maxReadings, maxDelayMs: config.mqtt.batch.maxDelay },
      drainRatePerSecond: config.mqtt.drainRate,
      clockState: () => clock.word(),
    });
    publisher.on('sensorPublished', (sensor, count) => hub.sensorPublished(sensor, count));
    publisher.on('connected', () => hub.mqttConnected());
    connection.on('takeover', (takeover) => hub.mqttTakeover(takeover));
    publisher.on('disconnected', (reason) => hub.mqttDisconnected(reason));
    connection.on('retrying', (delayMs) => hub.mqttRetrying(delayMs));
    publisher.on('published', (count) => hub.mqttPublished(count, publisher.inflight));
    publisher.on('limits', (limits) => hub.mqttLimits(limits));
    publisher.on('unsendable', (_sensor, count) => hub.mqttUnsendable(count));
    publisher.on('refusal', (info) => hub.mqttRefusal(info, publisher.refusalStats.total));
    connection.on('serverDisconnect', (reasonCode, reason) => hub.mqttServerDisconnect(reasonCode, reason));
    const outputCommands = new MqttOutputCommands({ connection, outputs, topicPrefix: config.mqtt.topicPrefix, qos: config.mqtt.qos, log: log.child({ part: 'outputs' }) });
    // IoT Hub closes the connection on a subscription outside devices/{id}/messages/devicebound/.
    if (!iotHub) outputCommands.start();
    // Home Assistant (issue 17): live readings and sensor availability, through the publisher's link.
    const homeassistant = config.homeassistant.enabled
      ? createHomeAssistant(config, {
          publisher,
          connection,
          buffer: () => buffer.stats(),
          failingSensors: () => hub.snapshot().sensors.filter((sensor) => sensor.state === 'failed').length,
          statusAddress,
          version,
          log: log.child({ part: 'homeassistant' }),
        })
      : null;
    if (homeassistant) {
      await homeassistant.start();
      started.push({ name: 'homeassistant', stop: async () => homeassistant.stop() });
      hub.on('reading', (reading) => homeassistant.reading(reading.sensor, reading.values));
    }
    publisher.start();
    started.push({ name: 'mqtt', stop: () => publisher.stop() });
    // Stop puts outputs to their safe state first, while the link can still carry the confirmed state.
    started.push({
      name: 'outputs-safe',
      stop: async () => {
        await outputs.safeStop();
        for (const id of outputs.ids) outputCommands.publishState(id);
        outputCommands.stop();
      },
    });
    let clockWord = clock.word();
    clock.on('change', () => {
      if (clock.word() === clockWord) return;
      clockWord = clock.word();
      publisher.announce();
    });

    const intake = new ReadingIntake({
      append: (reading) => buffer.append(reading),
      hub,
      log: log.child({ part: 'sampling' }),
      monoNow: () => clock.mono(),
      clockMark: (mono) => clock.mark(mono),
      ...(host.now ? { now: host.now } : {}),
    });
    const schedules = config.sensors.map((sensorConfig) => {
      const driver = bindDriver(sensorConfig);
      hub.registerSensor(sensorConfig.id, sensorConfig.driver, driver.units());
      intake.addSensor(sensorConfig.id, filtersFor(sensorConfig, driver.definition));
      const sensorLog = log.child({ sensor: sensorConfig.id });
      return new SensorSchedule({
        sensorId: sensorConfig.id,
        intervalMs: sensorConfig.interval,
        open: () => driver.create({ sensorId: sensorConfig.id, storePath: config.store.path, log: sensorLog, hardware }),
        ...(host.now ? { now: host.now } : {}),
        hooks: {
          accept: (sensorId, ts, samples) => intake.accept(sensorId, ts, samples),
          failed: (sensorId, message) => (hub.sensorFailed(sensorId, message), homeassistant?.sensorFailed(sensorId)),
          recovered: (sensorId) => (hub.sensorRecovered(sensorId), homeassistant?.sensorRecovered(sensorId)),
        },
        // The schedule names the sensor in each line itself; sensorLog would name it twice.
        log,
      });
    });
    // Stopped in reverse: sensors first, then a synced commit of what they left, then the link.
    started.push({ name: 'commit', stop: () => buffer.commit() });
    await clockReady;
    for (const schedule of schedules) schedule.start();
    started.push({ name: 'sensors', stop: async () => void (await Promise.all(schedules.map((schedule) => schedule.stop()))) });

    return { hub, buffer, statusAddress, stop: unwind };
  } catch (error) {
    await unwind();
    throw error;
  }
}
