// What each config key means, its default as a person reads it, and examples: the text the
// README's config table and the editor schema's descriptions (config/sensor-agent.schema.json)
// are both written from. One row of the table a list entry; `examples` names the keys of the row
// (a row may cover several, as `mqtt.tls.ca` / `cert` / `key`). test/config/field-docs.test.ts
// fails when a key here is not in the schema, or a section key has no entry.

export interface FieldDoc {
  /** The key cell of the README row, as written there. */
  label: string;
  /** The default in words (a computed default says how it is found). */
  default: string;
  meaning: string;
  /** Per dotted key of the row: values as they are written in a config file. */
  examples: Record<string, readonly unknown[]>;
}

export const FIELD_DOCS: readonly FieldDoc[] = [
  {
    label: '`device.id`',
    default: 'the host name (lowercased, `[a-z0-9_-]`)',
    meaning: 'device id in topics and the status port',
    examples: { 'device.id': ['greenhouse-7', 'pi-attic'] },
  },
  {
    label: '`mqtt.url`',
    default: '`mqtt://127.0.0.1:1883`',
    meaning: 'broker; schemes `mqtt`, `mqtts`, `ws`, `wss`',
    examples: { 'mqtt.url': ['mqtt://broker.local:1883', 'mqtts://broker.example.net:8883', 'wss://broker.example.net/mqtt'] },
  },
  {
    label: '`mqtt.clientId`',
    default: '`sensor-agent-<device id>`',
    meaning: 'MQTT client id; `{hardwareId}` is replaced by an id unique to the board (see "Cloned SD cards" below), e.g. `sensor-agent-{hardwareId}`',
    examples: { 'mqtt.clientId': ['sensor-agent-{hardwareId}', 'greenhouse-7'] },
  },
  {
    label: '`mqtt.username` / `mqtt.password`',
    default: 'none',
    meaning: 'credentials; or `mqtt.passwordFile: /path` (e.g. `${CREDENTIALS_DIRECTORY}/mqtt-password` with systemd `LoadCredential=`)',
    examples: { 'mqtt.username': ['sensor-agent'], 'mqtt.password': ['${MQTT_PASSWORD}'], 'mqtt.passwordFile': ['${CREDENTIALS_DIRECTORY}/mqtt-password', '/etc/sensor-agent/mqtt-password'] },
  },
  {
    label: '`mqtt.tls.ca` / `cert` / `key`',
    default: 'none',
    meaning: 'PEM files (server CA; client certificate and key for mTLS)',
    examples: { 'mqtt.tls.ca': ['/etc/sensor-agent/ca.pem'], 'mqtt.tls.cert': ['/etc/sensor-agent/client.pem'], 'mqtt.tls.key': ['/etc/sensor-agent/client-key.pem'] },
  },
  {
    label: '`mqtt.tls.rejectUnauthorized`',
    default: '`true`',
    meaning: "verify the broker's certificate",
    examples: { 'mqtt.tls.rejectUnauthorized': [true] },
  },
  {
    label: '`mqtt.protocolVersion`',
    default: '`5`',
    meaning: '`5` or `4` (3.1.1); a broker that refuses 5, or hangs up on an MQTT 5 CONNECT 3 times in a row, is spoken to in 3.1.1 for the rest of the run (one warning)',
    examples: { 'mqtt.protocolVersion': [5, 4] },
  },
  {
    label: '`mqtt.keepalive`',
    default: '`30s`',
    meaning: 'MQTT keepalive; a silent link is noticed within 1.5x this',
    examples: { 'mqtt.keepalive': ['30s', '60s'] },
  },
  {
    label: '`mqtt.topicPrefix`',
    default: '`sensors/{deviceId}`',
    meaning: 'topic prefix; `{deviceId}` is replaced',
    examples: { 'mqtt.topicPrefix': ['sensors/{deviceId}', 'site-3/{deviceId}'] },
  },
  {
    label: '`mqtt.qos`',
    default: '`1`',
    meaning: 'default QoS for every sensor (0, 1, 2)',
    examples: { 'mqtt.qos': [1, 0] },
  },
  {
    label: '`mqtt.retain`',
    default: '`false`',
    meaning: 'default retain flag for readings',
    examples: { 'mqtt.retain': [false, true] },
  },
  {
    label: '`mqtt.maxInflight`',
    default: '`64` on MQTT 5, `20` on 3.1.1',
    meaning: "QoS 1/2 publishes in flight at once, the birth message included; always within the broker's MQTT 5 Receive Maximum (see MQTT conformance)",
    examples: { 'mqtt.maxInflight': [64, 20] },
  },
  {
    label: '`mqtt.maxPacketSize`',
    default: "the broker's on MQTT 5, `64KiB` on 3.1.1",
    meaning: "largest PUBLISH the agent sends (e.g. `1000`, `128KiB`); the lower of this and the broker's Maximum Packet Size wins. Set it on 3.1.1 brokers that drop larger messages",
    examples: { 'mqtt.maxPacketSize': ['128KiB', 1000] },
  },
  {
    label: '`mqtt.brokerProfile`',
    default: 'none',
    meaning: "`mosquitto`, `rabbitmq`, `aws-iot-core` (or its older name `aws-iot`) or `azure-iot-hub`: that broker's documented limits stand in for what a 3.1.1 CONNACK cannot announce, and `check-config` warns where the config asks for more. Implied by `mqtt.profile`; naming another broker than the profile is an error",
    examples: { 'mqtt.brokerProfile': ['mosquitto', 'aws-iot-core'] },
  },
  {
    label: '`mqtt.profile`',
    default: 'none',
    meaning: "`aws-iot-core` or `azure-iot-hub`: the cloud broker's documented limits applied before the agent starts (see Cloud brokers): what the agent can keep by itself is clamped with a warning (QoS 2, window, packet size, keep alive, drain rate), what it cannot is an error (exit 78: topics, credentials form, plain TCP). Sets `mqtt.brokerProfile`",
    examples: { 'mqtt.profile': ['aws-iot-core', 'azure-iot-hub'] },
  },
  {
    label: '`mqtt.reconnect.min` / `max`',
    default: '`1s` / `60s`',
    meaning: 'reconnect backoff with full jitter: the first retry waits a random time in [min/2, 15 x min], each further one up to twice as long, capped at max, so a fleet that lost its broker together does not come back in step (no second holds more than 20% of the first reconnects)',
    examples: { 'mqtt.reconnect.min': ['1s', '500ms'], 'mqtt.reconnect.max': ['60s', '5m'] },
  },
  {
    label: '`mqtt.batch`',
    default: 'off',
    meaning: '`{ maxReadings: 50, maxDelay: 2s }`: several readings of a sensor in one message (see MQTT topics and payloads); `batch: {}` takes these defaults',
    examples: { 'mqtt.batch': [{'maxReadings': 50, 'maxDelay': '2s'}, {}] },
  },
  {
    label: '`mqtt.drainRate`',
    default: 'off (unlimited); under `mqtt.profile`, the cloud\'s share (see Cloud brokers)',
    meaning: 'e.g. `200/s`, `6000/min`: readings per second for the link; live readings go first, the backlog drains with what is left',
    examples: { 'mqtt.drainRate': ['200/s', '6000/min'] },
  },
  {
    label: '`mqtt.healthInterval`',
    default: '`60s`',
    meaning: 'how often the retained health message goes to `<topicPrefix>/health` (it also goes at every connect and, at most every 5 s, when the state changes; see Health telemetry); `off` or `0` sends none',
    examples: { 'mqtt.healthInterval': ['60s', 'off'] },
  },
  {
    label: '`store.path`',
    default: '`$STATE_DIRECTORY/buffer`, else `/var/lib/sensor-agent/buffer`',
    meaning: 'the LevelDB buffer',
    examples: { 'store.path': ['/var/lib/sensor-agent/buffer', './data/buffer'] },
  },
  {
    label: '`store.maxBytes`',
    default: '`256MB`',
    meaning: 'buffer cap (≈ 70 bytes per reading in the store)',
    examples: { 'store.maxBytes': ['256MB', '1GiB'] },
  },
  {
    label: '`store.keepFree`',
    default: '`5%`',
    meaning: "kept free on the store's file system: a percentage of its size or a size (`200MB`, `0` for none). The buffer's effective cap is the smaller of `store.maxBytes` and what it holds plus the free space beyond `keepFree`, re-checked (statfs) as it fills; see \"When the disk is full or read-only\"",
    examples: { 'store.keepFree': ['5%', '200MB', 0] },
  },
  {
    label: '`store.maxReadings`',
    default: 'none',
    meaning: 'optional cap in readings',
    examples: { 'store.maxReadings': [1000000] },
  },
  {
    label: '`store.overflow`',
    default: '`drop-oldest`',
    meaning: 'or `drop-newest`, or `downsample`: the oldest readings of a sensor are replaced by summaries (min, max, mean, count per value, first and last seq and ts) over windows that grow as more must be kept (see "Downsampling instead of dropping"); every drop and every replaced reading is counted',
    examples: { 'store.overflow': ['drop-oldest', 'drop-newest', 'downsample'] },
  },
  {
    label: '`store.commitInterval`',
    default: '`5s`',
    meaning: 'synced write at most this often, only while readings wait',
    examples: { 'store.commitInterval': ['5s', '1s'] },
  },
  {
    label: '`status.listen`',
    default: '`0.0.0.0:8080`',
    meaning: '`host:port`, `[::1]:8080`, or `off`',
    examples: { 'status.listen': ['0.0.0.0:8080', '[::1]:8080', ':8080', 'off'] },
  },
  {
    label: '`status.token` / `tokenFile`',
    default: 'none',
    meaning: 'when set, required for the page, `/status.json` and `/ws` (`Authorization: Bearer …` or `?token=`); `/healthz` stays open',
    examples: { 'status.token': ['${STATUS_TOKEN}'], 'status.tokenFile': ['/etc/sensor-agent/status-token'] },
  },
  {
    label: '`status.maxClients`',
    default: '`16`',
    meaning: 'WebSocket clients (`/ws`) at once, 1 to 10000; more get HTTP 503. A client that stops reading is cut once its send queue passes its limit, so memory stays bounded whatever the count',
    examples: { 'status.maxClients': [16, 4] },
  },
  {
    label: '`log.level`',
    default: '`info`',
    meaning: '`fatal`, `error`, `warn`, `info`, `debug`, `trace`, `silent`',
    examples: { 'log.level': ['info', 'debug'] },
  },
  {
    label: '`hardware.gpio`',
    default: '`auto`',
    meaning: "how real GPIO lines are reached: `cdev` (the GPIO character device `/dev/gpiochipN`), `sysfs` (onoff over `/sys/class/gpio`), or `auto`: cdev when the agent's `gpio-cdev` addon loads and the Pi's main controller has a `/dev/gpiochipN`, else sysfs (with a warning if the addon failed). One info log line at the first real line says which. See \"GPIO: character device or sysfs\" below",
    examples: { 'hardware.gpio': ['auto', 'cdev', 'sysfs'] },
  },
  {
    label: '`hardware.gpioRoot`',
    default: '`/sys/class/gpio`',
    meaning: 'sysfs GPIO root',
    examples: { 'hardware.gpioRoot': ['/sys/class/gpio'] },
  },
  {
    label: '`hardware.oneWireRoot`',
    default: '`/sys/bus/w1/devices`',
    meaning: '1-Wire devices',
    examples: { 'hardware.oneWireRoot': ['/sys/bus/w1/devices'] },
  },
  {
    label: '`hardware.iioRoot`',
    default: '`/sys/bus/iio/devices`',
    meaning: 'IIO devices, for the `iio` driver',
    examples: { 'hardware.iioRoot': ['/sys/bus/iio/devices'] },
  },
  {
    label: '`hardware.hwmonRoot`',
    default: '`/sys/class/hwmon`',
    meaning: 'hwmon devices, for the `hwmon` driver',
    examples: { 'hardware.hwmonRoot': ['/sys/class/hwmon'] },
  },
  {
    label: '`hardware.i2cDevicesRoot`',
    default: '`/sys/bus/i2c/devices`',
    meaning: "the kernel's I2C clients: `doctor` and `scan-i2c` say which chips a kernel driver holds",
    examples: { 'hardware.i2cDevicesRoot': ['/sys/bus/i2c/devices'] },
  },
  {
    label: '`simulate.i2c.<bus>`',
    default: 'none',
    meaning: 'register-map file: that I2C bus is simulated',
    examples: { 'simulate.i2c': [{1: './sim/bme280-0x76.yaml'}] },
  },
  {
    label: '`simulate.gpio.<pin>`',
    default: 'none',
    meaning: '`{ level: 0, toggle: 30s }`: that GPIO line is simulated',
    examples: { 'simulate.gpio': [{17: {'level': 0, 'toggle': '30s'}}] },
  },
  {
    label: '`homeassistant.enabled`',
    default: '`false`',
    meaning: 'announce the sensors to Home Assistant by MQTT discovery (see "Home Assistant" below)',
    examples: { 'homeassistant.enabled': [true] },
  },
  {
    label: '`homeassistant.discoveryPrefix`',
    default: '`homeassistant`',
    meaning: "HA's discovery prefix (HA: MQTT options)",
    examples: { 'homeassistant.discoveryPrefix': ['homeassistant'] },
  },
  {
    label: '`homeassistant.retain`',
    default: '`true`',
    meaning: 'retain the discovery messages (states and availability are always retained)',
    examples: { 'homeassistant.retain': [true] },
  },
  {
    label: '`homeassistant.statusTopic`',
    default: '`homeassistant/status`',
    meaning: "HA's birth/last-will topic: an `online` there makes the agent announce again",
    examples: { 'homeassistant.statusTopic': ['homeassistant/status'] },
  },
  {
    label: '`homeassistant.discovery`',
    default: '`device`',
    meaning: '`device`: one message per device (HA 2024.11 or later); `entity`: one per value (older HA)',
    examples: { 'homeassistant.discovery': ['device', 'entity'] },
  },
  {
    label: '`homeassistant.announceDelay`',
    default: '`5s`',
    meaning: "the longest random delay before announcing again on HA's `online`",
    examples: { 'homeassistant.announceDelay': ['5s', '30s'] },
  },
  {
    label: '`remote.config`',
    default: '`false`',
    meaning: 'accept a whole config on `<topicPrefix>/config/set` and answer on `<topicPrefix>/config/result` (see "Remote configuration" below)',
    examples: { 'remote.config': [true] },
  },
  {
    label: '`remote.locked`',
    default: '`[mqtt.url, mqtt.username, mqtt.password, mqtt.passwordFile, mqtt.tls]`',
    meaning: 'keys a remote config must leave as this file has them (a key covers everything under it); `remote` and `store` are always locked',
    examples: { 'remote.locked': [['mqtt.url', 'mqtt.username', 'mqtt.password', 'mqtt.passwordFile', 'mqtt.tls', 'outputs']] },
  },
  {
    label: '`remote.healthTimeout`',
    default: '`60s`',
    meaning: 'how long a new remote config has to be healthy (broker connected, no sensor failed that was ok, buffer open) before the previous one is restored',
    examples: { 'remote.healthTimeout': ['60s', '5m'] },
  },
  {
    label: '`remote.publicKey`',
    default: 'none (unsigned configs accepted)',
    meaning: 'ed25519 public key, PEM text or a `.pem` file: only configs signed with its private key (`sensor-agent sign-config`) are accepted',
    examples: { 'remote.publicKey': ['/etc/sensor-agent/config-signing.pub.pem'] },
  },
  {
    label: '`sensors[]`',
    default: '(at least one)',
    meaning: 'see below',
    examples: { 'sensors': [[{'id': 'cpu', 'driver': 'system', 'interval': '30s'}]] },
  },
];
