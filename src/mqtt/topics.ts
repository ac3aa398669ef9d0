// Where a reading goes and what it looks like on the wire: topic `<topicPrefix>/<sensor id>`
// (or the sensor's own `topic`), payload `{"seq":N,"ts":MS,"v":{...}}`, per-sensor QoS and retain.
import type { StoredReading } from '../buffer/types.js';

export type QoS = 0 | 1 | 2;

export interface Route {
  topic: string;
  qos: QoS;
  retain: boolean;
}

export interface RouteDefaults {
  topicPrefix: string;
  qos: QoS;
  retain: boolean;
}

export interface SensorRouteConfig {
  id: string;
  qos?: QoS;
  retain?: boolean;
  topic?: string;
}

export class Routes {
  private readonly routes = new Map<string, Route>();

  constructor(
    private readonly defaults: RouteDefaults,
    sensors: readonly SensorRouteConfig[],
  ) {
    for (const sensor of sensors) {
      this.routes.set(sensor.id, {
        topic: sensor.topic ?? `${defaults.topicPrefix}/${sensor.id}`,
        qos: sensor.qos ?? defaults.qos,
        retain: sensor.retain ?? defaults.retain,
      });
    }
  }

  /** A reading of a sensor no longer in the config (left in the buffer by an earlier run) still gets delivered. */
  for(sensorId: string): Route {
    let route = this.routes.get(sensorId);
    if (!route) {
      route = { topic: `${this.defaults.topicPrefix}/${sensorId}`, qos: this.defaults.qos, retain: this.defaults.retain };
      this.routes.set(sensorId, route);
    }
    return route;
  }

  get statusTopic(): string {
    return `${this.defaults.topicPrefix}/status`;
  }
}

export function encodePayload(reading: StoredReading): string {
  return `{"seq":${reading.seq},"ts":${reading.ts},"v":${JSON.stringify(reading.values)}}`;
}
