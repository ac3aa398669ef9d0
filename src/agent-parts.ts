// The parts of the agent a config change restarts (remote configuration, issue 22): hardware and
// outputs, the status hub and port, the MQTT link and publisher, Home Assistant, the sensors. They
// start in order, unwind when a later start fails, and stop in reverse (design.md, "Lifecycle").
// The buffer and the clock are not among them: agent.ts owns those for the whole run, and a config
// change never closes, resets or re-sequences the buffer. `shared.openBuffer` opens it the first
// time (after the outputs, as before the split) and hands back the open one afterwards.
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Config } from './config/schema.js';
import type { ReadingBuffer } from './buffer/index.js';
import { StatusHub } from './status/status-hub.js';
import { StatusServer } from './status/status-server.js';
import { MqttConnection } from './mqtt/connection.js';
import { Publisher } from './mqtt/publisher.js';
import { Routes } from './mqtt/topics.js';
import { BROKER_PROFILES, type BrokerProfile } from './mqtt/broker-profiles.js';
import { deviceTopic } from './mqtt/topic-layout.js';
import { displayUrl, type MqttLinkOptions } from './mqtt/client-options.js';
import { SensorSchedule } from './sampling/sensor-schedule.js';
import { filtersFor, ReadingIntake } from './sampling/reading-intake.js';
import { bindDriver } from './sensors/bound-driver.js';
import { createHardware } from './hardware/create-hardware.js';
import { OutputSet } from './outputs/output-set.js';
import { MqttOutputCommands } from './outputs/mqtt-commands.js';
import { pageCommands } from './outputs/page-commands.js';
import { OutputStateReadings, stateChangeRoutes } from './outputs/state-readings.js';
import { version } from './version.js';
import { resolveClientId } from './mqtt/client-id.js';
import type { ClockMonitor } from './clock/clock-monitor.js';
import { stopInReverse, type Part } from './started-parts.js';
import { createHomeAssistant } from './homeassistant/create.js';
import { HealthFacts } from './health/health-facts.js';
import { HealthTelemetry } from './health/health-telemetry.js';

/** What the parts take from the host (agent.ts's AgentHost): clocks tests replace. */
export interface PartsHost {
  now?: () => number;
}

/** What outlives the parts: the buffer (opened on first use) and the clock monitor. */
export interface SharedParts {
  openBuffer(): Promise<ReadingBuffer>;
  clock: ClockMonitor;
  /** The clock's first look; sensors start after it. */
  clockReady: Promise<void>;
}

export interface RunningParts {
  config: Config;
  hub: StatusHub;
  connection: MqttConnection;
  statusAddress: { host: string; port: number } | null;
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

export async function startParts(config: Config, shared: SharedParts, log: Logger, host: PartsHost = {}): Promise<RunningParts> {
  const { clock } = shared;
  const started: Part[] = [];
  let onClockWord = (): void => undefined;
  const unwind = stopInReverse(started, log);

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

    // Before anything starts: a {hardwareId} this device cannot supply is a config problem.
    // High-priority outputs' state changes are readings too, on their own topic (state-readings.ts).
    const iotHub = config.mqtt.profile === 'azure-iot-hub';
    const layout = iotHub ? 'iot-hub' : 'paths';
    const routes = new Routes({ topicPrefix: config.mqtt.topicPrefix, qos: config.mqtt.qos, retain: config.mqtt.retain, layout }, [...config.sensors, ...stateChangeRoutes(config.outputs, config.mqtt.topicPrefix)]);
    const link = await linkOptions(config, routes.statusTopic);
    const brokerProfile: BrokerProfile | undefined = config.mqtt.brokerProfile && BROKER_PROFILES[config.mqtt.brokerProfile];
    if (config.mqtt.profile !== undefined && brokerProfile && !brokerProfile.retainAvailable) link.willRetain = false;
    const buffer = await shared.openBuffer();
    const stateReadings = new OutputStateReadings({ outputs, configs: config.outputs, append: (reading) => buffer.append(reading), ...(host.now ? { now: host.now } : {}) });
    stateReadings.start();
    started.push({ name: 'output-state-readings', stop: async () => stateReadings.stop() });

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
    // The buffer and the clock outlive these parts (agent.ts): whatever listens to them here lets go at stop.
    const onAppended = (): void => hub.bufferChanged();
    const onClockChange = (): void => hub.clockChanged();
    buffer.on('appended', onAppended);
    clock.on('change', onClockChange);
    started.push({ name: 'listeners', stop: async () => void (buffer.off('appended', onAppended), clock.off('change', onClockChange), clock.off('change', onClockWord)) });

    let statusAddress: RunningParts['statusAddress'] = null;
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
    // An output's buffered state changes are not a sensor's readings (the page would list the output as one).
    publisher.on('sensorPublished', (sensor, count) => stateReadings.buffers(sensor) || hub.sensorPublished(sensor, count));
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
    let healthPart: Part | null = null;
    // Health telemetry (issue 22): the retained `<topicPrefix>/health`, sent live on the publisher's link.
    if (config.mqtt.healthInterval > 0) {
      const systemSensor = config.sensors.find((sensor) => sensor.driver === 'system');
      const health = new HealthTelemetry({
        topicPrefix: config.mqtt.topicPrefix,
        topic: deviceTopic(layout, config.mqtt.topicPrefix, 'health'),
        intervalMs: config.mqtt.healthInterval,
        facts: new HealthFacts({ snapshot: () => hub.snapshot(), health: () => hub.health(), intervalMs: config.mqtt.healthInterval, storePath: config.store.path, system: systemSensor?.options }),
        link: publisher,
        hub,
        log: log.child({ part: 'health' }),
      });
      health.start();
      // The buffer outlives these parts (agent.ts): the listener goes with the health part.
      const onOverflow = (): void => health.bufferOverflow();
      buffer.on('overflow', onOverflow);
      healthPart = { name: 'health', stop: async () => void (buffer.off('overflow', onOverflow), health.stop()) };
    }
    publisher.start();
    started.push({ name: 'mqtt', stop: () => publisher.stop() });
    // Stopped before the link: no health message starts while the offline status goes out.
    if (healthPart) started.push(healthPart);
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
    onClockWord = (): void => {
      if (clock.word() === clockWord) return;
      clockWord = clock.word();
      publisher.announce();
    };
    clock.on('change', onClockWord);

    const intake = new ReadingIntake({
      append: (reading) => buffer.append(reading),
      appendAll: (readings) => buffer.appendAll(readings),
      hub,
      log: log.child({ part: 'sampling' }),
      monoNow: () => clock.mono(),
      clockMark: (mono) => clock.mark(mono),
      ...(host.now ? { now: host.now } : {}),
    });
    const schedules = config.sensors.map((sensorConfig) => {
      const driver = bindDriver(sensorConfig);
      hub.registerSensor(sensorConfig.id, sensorConfig.driver, driver.units());
      intake.addSensor(sensorConfig.id, filtersFor(sensorConfig, driver.definition), sensorConfig.priority === 'high');
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
    await shared.clockReady;
    for (const schedule of schedules) schedule.start();
    started.push({ name: 'sensors', stop: async () => void (await Promise.all(schedules.map((schedule) => schedule.stop()))) });

    return { config, hub, connection, statusAddress, stop: unwind };
  } catch (error) {
    await unwind();
    throw error;
  }
}
