// Discovery without a broker: the config's Home Assistant keys (device classes checked against the
// units HA allows, exit 78 material), entity discovery for HA releases before 2024.11, the removal
// form, names, and the announced-set comparison.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/errors.js';
import { sensorComponents, healthComponents, valueLabel } from '../../src/homeassistant/entities.js';
import { discoveryMessages, type DiscoveryContext } from '../../src/homeassistant/discovery.js';
import { removedSince } from '../../src/homeassistant/announced-store.js';

const parse = (sensors: unknown[], homeassistant: Record<string, unknown> = { enabled: true }) =>
  parseConfig({ device: { id: 'pi' }, homeassistant, simulate: { i2c: {} }, sensors }, { env: {}, baseDir: '/', hostname: 'h' });

function configError(sensors: unknown[]): string {
  try {
    parse(sensors);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('the config was accepted');
}

const context = (discovery: 'device' | 'entity'): DiscoveryContext => ({ deviceId: 'pi', version: '1.2.3', discoveryPrefix: 'homeassistant', topicPrefix: 'sensors/pi', discovery, areas: new Map() });

describe('the Home Assistant keys of a sensor', () => {
  it('announce the iio and hwmon values `channels` names, with the device class of their kind; none without it', () => {
    const config = parse([
      { id: 'air', driver: 'iio', device: 'bme280', channels: ['temperature', 'pressure'] },
      { id: 'rail', driver: 'hwmon', device: 'ina219', channels: ['voltage1', 'power'] },
      { id: 'other', driver: 'hwmon', device: 'lm75' },
    ]);
    const components = sensorComponents('pi', 'sensors/pi', config.sensors);
    expect(components.map((c) => c.key)).toEqual(['pi_air_temperature', 'pi_air_pressure', 'pi_rail_voltage1', 'pi_rail_power']);
    expect(components.find((c) => c.key === 'pi_air_pressure')).toMatchObject({ meaning: { platform: 'sensor', deviceClass: 'atmospheric_pressure', unit: 'hPa' }, precision: 3 });
    expect(components.find((c) => c.key === 'pi_rail_power')).toMatchObject({ meaning: { platform: 'sensor', deviceClass: 'power', unit: 'W' }, precision: 6 });
  });

  it('take a binary sensor class for a GPIO state and a mapping for a sensor with several values', () => {
    const config = parse([
      { id: 'door', driver: 'gpio-input', pin: 17, deviceClass: 'door', name: 'Front door', area: 'Hall' },
      { id: 'room', driver: 'bme280', deviceClass: { pressure: 'pressure' } },
      { id: 'skip', driver: 'simulated', homeassistant: false },
    ]);
    expect(config.sensors[0]).toMatchObject({ id: 'door', name: 'Front door', area: 'Hall', deviceClass: 'door', options: { pin: 17 } });
    expect(config.sensors[0]!.options).not.toHaveProperty('deviceClass');
    expect(config.homeassistant).toEqual({ enabled: true, discoveryPrefix: 'homeassistant', retain: true, statusTopic: 'homeassistant/status', discovery: 'device', announceDelay: 5000 });
    const components = sensorComponents('pi', 'sensors/pi', config.sensors);
    expect(components.map((c) => c.key)).toEqual(['pi_door_level', 'pi_room_temperature', 'pi_room_pressure', 'pi_room_humidity']);
    expect(components.find((c) => c.key === 'pi_room_pressure')!.meaning).toEqual({ platform: 'sensor', deviceClass: 'pressure', unit: 'hPa', stateClass: 'measurement' });
  });

  it('refuse a class HA does not have, one whose units exclude the value\'s, and one class for several values', () => {
    expect(configError([{ id: 'door', driver: 'gpio-input', pin: 17, deviceClass: 'gate' }])).toMatch(/sensors\[0\]\.deviceClass.*gate is not a binary sensor device class of Home Assistant \(expected one of .*door/);
    expect(configError([{ id: 'probe', driver: 'ds18b20', deviceId: '28-1', deviceClass: 'humidity' }])).toMatch(/deviceClass.*humidity does not take the value's unit °C \(Home Assistant allows %\)/);
    expect(configError([{ id: 'room', driver: 'bme280', deviceClass: 'temperature' }])).toMatch(/deviceClass.*one class for 3 values \(temperature, pressure, humidity\)/);
    expect(configError([{ id: 'room', driver: 'bme280', deviceClass: { co2: 'carbon_dioxide' } }])).toMatch(/deviceClass\.co2.*names no value of this sensor/);
    expect(configError([{ id: 'plain', driver: 'simulated', deviceClass: 'temperature' }])).toMatch(/temperature needs a unit \(°C, °F, K\) and this value has none/);
  });
});

describe('discovery messages', () => {
  const sensors = parse([
    { id: 'room', driver: 'sht3x', name: 'Room' },
    { id: 'meter', driver: 'gpio-input', pin: 5, mode: 'counter', interval: '1m' },
  ]).sensors;
  const components = [...sensorComponents('pi', 'sensors/pi', sensors), ...healthComponents('pi', 'sensors/pi', new Set(['backlog']))];

  it('in entity mode are one retained config per value, each with its device and origin', () => {
    const messages = discoveryMessages(components, context('entity'));
    expect(messages.map((m) => m.topic)).toEqual([
      'homeassistant/sensor/pi/pi_room_temperature/config',
      'homeassistant/sensor/pi/pi_room_humidity/config',
      'homeassistant/sensor/pi/pi_meter_count/config',
      'homeassistant/sensor/pi/pi_meter_rate/config',
      'homeassistant/sensor/pi/pi_meter_overflows/config',
      'homeassistant/binary_sensor/pi/pi_agent_link/config',
      'homeassistant/sensor/pi/pi_agent_backlog/config',
    ]);
    for (const message of messages) {
      const body = JSON.parse(message.payload) as Record<string, unknown>;
      expect(body).not.toHaveProperty('p');
      expect(body).toMatchObject({ unique_id: Object.keys(message.components)[0], dev: { ids: ['sensor-agent_pi'], name: 'pi', sw: '1.2.3' }, o: { name: 'sensor-agent', sw: '1.2.3' } });
    }
    const count = JSON.parse(messages[2]!.payload) as Record<string, unknown>;
    expect(count).toMatchObject({ name: 'meter count', state_class: 'total_increasing', expire_after: 180, suggested_display_precision: 0, state_topic: 'sensors/pi/meter/state', value_template: '{{ value_json.count }}' });
    expect(JSON.parse(messages[4]!.payload)).toMatchObject({ entity_category: 'diagnostic' });
    expect(JSON.parse(messages[1]!.payload)).toMatchObject({ name: 'Room humidity', device_class: 'humidity', unit_of_measurement: '%' });
  });

  it('in device mode put the removal form (only the platform) before the device as it is now', () => {
    const before = new Map([['homeassistant/device/pi/config', { pi_room_temperature: 'sensor', pi_old_value: 'sensor', pi_gone_level: 'binary_sensor' }]]);
    const now = new Map(discoveryMessages(components, context('device')).map((m) => [m.topic, m.components]));
    const removed = removedSince(before, now);
    expect(removed).toEqual(new Map([['homeassistant/device/pi/config', { pi_old_value: 'sensor', pi_gone_level: 'binary_sensor' }]]));
    const [removal, current] = discoveryMessages(components, context('device'), removed).map((m) => JSON.parse(m.payload) as { cmps: Record<string, Record<string, unknown>>; qos: number });
    expect(removal!.cmps.pi_old_value).toEqual({ p: 'sensor' });
    expect(removal!.cmps.pi_gone_level).toEqual({ p: 'binary_sensor' });
    expect(removal!.cmps.pi_room_temperature).toMatchObject({ p: 'sensor', unique_id: 'pi_room_temperature' });
    expect(Object.keys(current!.cmps)).not.toContain('pi_old_value');
    expect(current!.qos).toBe(1);
  });

  it('name values in words', () => {
    expect(['memoryAvailableMB', 'voltage0', 'shuntVoltage', 'load15', 'diskUsedPercent'].map(valueLabel)).toEqual(['memory available MB', 'voltage 0', 'shunt voltage', 'load 15', 'disk used percent']);
  });
});
