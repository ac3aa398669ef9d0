// Where the device's own messages go. Every broker but Azure IoT Hub takes any topic: readings on
// `<topicPrefix>/<sensor id>`, the device's messages on `<topicPrefix>/status` (and `/health`).
// IoT Hub takes device-to-cloud messages only on `devices/{deviceId}/messages/events/`, followed by
// an optional URL-encoded property bag, and disconnects on any other topic: there the prefix is that
// path, a reading carries its sensor as the property `sensor=<id>` and the device's own messages
// `type=<name>`, so a consumer (a message route, a Stream Analytics query) tells them apart by property.
export type TopicLayout = 'paths' | 'iot-hub';

/** The device-to-cloud path IoT Hub accepts for one device (no trailing slash; topics add one). */
export function iotHubEventsPrefix(deviceId: string): string {
  return `devices/${encodeURIComponent(deviceId)}/messages/events`;
}

/** A sensor's default topic (a sensor's own `topic` replaces it). */
export function sensorTopic(layout: TopicLayout, prefix: string, sensorId: string): string {
  return layout === 'iot-hub' ? `${prefix}/sensor=${encodeURIComponent(sensorId)}` : `${prefix}/${sensorId}`;
}

/** The topic of one of the device's own messages: `status`, `health`. */
export function deviceTopic(layout: TopicLayout, prefix: string, name: string): string {
  return layout === 'iot-hub' ? `${prefix}/type=${encodeURIComponent(name)}` : `${prefix}/${name}`;
}
