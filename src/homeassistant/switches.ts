// The outputs (issue 18) in Home Assistant: one `switch` per configured output, through the
// `ComponentSource` hook of entities.ts. The switch uses the outputs' own MQTT contract, so a
// command from HA is an ordinary command on the ordinary path (src/outputs/mqtt-commands.ts: known
// output, age, rate, never retained): `command_topic` `<topicPrefix>/<id>/set` with `ON`/`OFF`,
// `state_topic` the confirmed state `<topicPrefix>/<id>` (retained `ON`/`OFF`, read back from the
// line), never optimistic. No `retain` option: HA then publishes its commands unretained, and the
// agent would ignore a retained one anyway unless the output says `acceptRetained`. Availability:
// the agent's status topic and the output's own `<topicPrefix>/<id>/availability` (`offline` while
// the line's level is unknown). Key and unique_id `<device id>_<output id>` (config checks it
// against the sensors' keys: src/config/homeassistant-section.ts).
import type { OutputConfig } from '../config/output-schema.js';
import { commandTopic, outputAvailabilityTopic, stateTopic } from '../outputs/mqtt-commands.js';
import type { Component, ComponentSource } from './entities.js';

export function outputSwitch(deviceId: string, topicPrefix: string, output: OutputConfig): Component {
  return {
    key: `${deviceId}_${output.id}`,
    platform: 'switch',
    name: output.name ?? output.id,
    valueLabel: null,
    sensorId: null,
    stateTopic: stateTopic(topicPrefix, output.id),
    // The payload as it comes; HA compares it with state_on / state_off.
    valueTemplate: '{{ value }}',
    // A switch has none of a sensor's device class, unit or state class.
    meaning: { platform: 'binary_sensor' },
    diagnostic: false,
    extra: {
      command_topic: commandTopic(topicPrefix, output.id),
      payload_on: 'ON',
      payload_off: 'OFF',
      state_on: 'ON',
      state_off: 'OFF',
      optimistic: false,
      availability: [{ topic: `${topicPrefix}/status`, value_template: '{{ value_json.state }}' }, { topic: outputAvailabilityTopic(topicPrefix, output.id) }],
      availability_mode: 'all',
    },
  };
}

/** Every configured output as a switch, in config order. */
export function outputSwitches(outputs: readonly OutputConfig[]): ComponentSource {
  return { components: (deviceId, topicPrefix) => outputs.map((output) => outputSwitch(deviceId, topicPrefix, output)) };
}
