// Where a reading goes: topic `<topicPrefix>/<sensor id>` (or the sensor's own `topic`), with
// per-sensor QoS and retain; on Azure IoT Hub the layout of topic-layout.ts. What it looks like on
// the wire is payloads.ts.
import { deviceTopic, sensorTopic, type TopicLayout } from './topic-layout.js';

export type QoS = 0 | 1 | 2;

export interface Route {
  topic: string;
  qos: QoS;
  retain: boolean;
  /** The publish options, made once per route rather than once per message. */
  publishOptions: { qos: QoS; retain: boolean };
}

export interface RouteDefaults {
  topicPrefix: string;
  qos: QoS;
  retain: boolean;
  /** 'paths' when absent. */
  layout?: TopicLayout;
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
      this.routes.set(sensor.id, makeRoute(sensor.topic ?? sensorTopic(defaults.layout ?? 'paths', defaults.topicPrefix, sensor.id), sensor.qos ?? defaults.qos, sensor.retain ?? defaults.retain));
    }
  }

  /** A reading of a sensor no longer in the config (left in the buffer by an earlier run) still gets delivered. */
  for(sensorId: string): Route {
    let route = this.routes.get(sensorId);
    if (!route) {
      route = makeRoute(sensorTopic(this.defaults.layout ?? 'paths', this.defaults.topicPrefix, sensorId), this.defaults.qos, this.defaults.retain);
      this.routes.set(sensorId, route);
    }
    return route;
  }

  /** The highest QoS and whether any retain the config asks for (set against a broker's limits). */
  wanted(): { maxQoS: QoS; anyRetain: boolean } {
    const routes = [...this.routes.values()];
    return {
      maxQoS: routes.reduce<QoS>((max, route) => (route.qos > max ? route.qos : max), this.defaults.qos),
      anyRetain: this.defaults.retain || routes.some((route) => route.retain),
    };
  }

  get statusTopic(): string {
    return deviceTopic(this.defaults.layout ?? 'paths', this.defaults.topicPrefix, 'status');
  }
}

function makeRoute(topic: string, qos: QoS, retain: boolean): Route {
  return { topic, qos, retain, publishOptions: { qos, retain } };
}
