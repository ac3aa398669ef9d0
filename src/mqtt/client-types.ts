// MQTT.js's types for the parts that publish or subscribe on the publisher's connection (Home
// Assistant, outputs): they name the client here, so only src/mqtt imports MQTT.js (eslint.config.js).
export type { IPublishPacket, MqttClient } from 'mqtt';
