// Where a reading goes and what it looks like on the wire: topic `<topicPrefix>/<sensor id>`
// (or the sensor's own `topic`), payload `{"seq":N,"ts":MS,"v":{...}}`, per-sensor QoS and retain;
// with mqtt.batch, `{"seq":[N,...],"ts":[MS,...],"v":[{...},...]}` (one sensor, seq order).
// Payloads are spliced from the stored JSON texts: nothing is decoded and encoded again.
import type { RawReading, StoredReading } from '../buffer/types.js';

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
      this.routes.set(sensor.id, makeRoute(sensor.topic ?? `${defaults.topicPrefix}/${sensor.id}`, sensor.qos ?? defaults.qos, sensor.retain ?? defaults.retain));
    }
  }

  /** A reading of a sensor no longer in the config (left in the buffer by an earlier run) still gets delivered. */
  for(sensorId: string): Route {
    let route = this.routes.get(sensorId);
    if (!route) {
      route = makeRoute(`${this.defaults.topicPrefix}/${sensorId}`, this.defaults.qos, this.defaults.retain);
      this.routes.set(sensorId, route);
    }
    return route;
  }

  get statusTopic(): string {
    return `${this.defaults.topicPrefix}/status`;
  }
}

function makeRoute(topic: string, qos: QoS, retain: boolean): Route {
  return { topic, qos, retain, publishOptions: { qos, retain } };
}

export function encodePayload(reading: StoredReading): string {
  return `{"seq":${reading.seq},"ts":${reading.ts},"v":${JSON.stringify(reading.values)}}`;
}

/** The default payload, spliced from the stored texts: `{"seq":N,"ts":MS,"v":{...}}`. */
export function encodeRawPayload(reading: RawReading): string {
  return '{"seq":' + reading.seq + ',"ts":' + reading.tsJson + ',"v":' + reading.valuesJson + '}';
}

/** A batch payload: `{"seq":[...],"ts":[...],"v":[...]}`, the i-th entries of the arrays are one reading. */
export function encodeBatchPayload(readings: readonly RawReading[]): string {
  let seqs = '';
  let times = '';
  let values = '';
  for (let i = 0; i < readings.length; i++) {
    const reading = readings[i]!;
    const comma = i === 0 ? '' : ',';
    seqs += comma + reading.seq;
    times += comma + reading.tsJson;
    values += comma + reading.valuesJson;
  }
  return '{"seq":[' + seqs + '],"ts":[' + times + '],"v":[' + values + ']}';
}
