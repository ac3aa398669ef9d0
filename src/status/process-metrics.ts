// The process figures of /metrics that prom-client's default set gets wrong on a registry created
// at the first scrape (metrics.ts loads prom-client lazily): its CPU counters count from that
// scrape (0.07 s after 140 s of running), its event-loop histogram has no samples yet (the first
// scrape printed a minimum of 9223372036.854776 s and a mean of NaN), and its plain lag gauge is
// set after the scrape that measures it (0 on the first). Here: CPU as process.cpuUsage() totals
// since the process started, the plain lag awaited within its scrape, and every scrape held until
// the histogram has a sample since the previous one (it is reset at each scrape, so two scrapes
// within 10 ms showed the empty figures too): a scrape waits about 10-20 ms for it.
import perfHooks, { type IntervalHistogram } from 'node:perf_hooks';
import type { Registry } from 'prom-client';

type Prom = typeof import('prom-client');

/** prom-client's histogram samples every 10 ms (its default eventLoopMonitoringPrecision). */
const HISTOGRAM_RESOLUTION_MS = 10;

const CPU = ['process_cpu_user_seconds_total', 'process_cpu_system_seconds_total', 'process_cpu_seconds_total'];

type Collect = (this: unknown) => void | Promise<void>;

/** Replaces prom-client's CPU counters, and makes its lag gauge report the scrape it is in. */
function registerProcessMetrics(prom: Prom, registry: Registry): void {
  for (const name of CPU) registry.removeSingleMetric(name);
  const { Counter } = prom;
  const cpu = (name: string, help: string, seconds: (usage: NodeJS.CpuUsage) => number): void => {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(seconds(process.cpuUsage()));
      },
    });
  };
  cpu('process_cpu_user_seconds_total', 'Total user CPU time spent in seconds, since the process started.', (usage) => usage.user / 1e6);
  cpu('process_cpu_system_seconds_total', 'Total system CPU time spent in seconds, since the process started.', (usage) => usage.system / 1e6);
  cpu('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds, since the process started.', (usage) => (usage.user + usage.system) / 1e6);
  // This gauge's collect also sets the histogram's min/mean/percentiles (synchronously) and queues
  // the measurement of its own value (setImmediate); awaiting the next turn puts that value in this
  // scrape instead of the next one.
  const lag = registry.getSingleMetric('nodejs_eventloop_lag_seconds') as { collect?: Collect } | undefined;
  const measure = lag?.collect;
  if (lag && measure) {
    lag.collect = async function collect(this: unknown): Promise<void> {
      await measure.call(this);
      await new Promise((resolve) => setImmediate(resolve));
    };
  }
}

/**
 * prom-client's default set, with a handle on the event-loop histogram it makes (it keeps it to
 * itself): monitorEventLoopDelay is wrapped for the duration of the call only, to see it created.
 * Returns a function that resolves once that histogram holds a sample since its last reset.
 */
export function collectDefaults(prom: Prom, registry: Registry): () => Promise<void> {
  const hooks = perfHooks as { monitorEventLoopDelay: typeof perfHooks.monitorEventLoopDelay };
  const original = hooks.monitorEventLoopDelay;
  let histogram: IntervalHistogram | null = null;
  hooks.monitorEventLoopDelay = (options) => (histogram = original(options));
  try {
    prom.collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: HISTOGRAM_RESOLUTION_MS });
  } finally {
    hooks.monitorEventLoopDelay = original;
  }
  registerProcessMetrics(prom, registry);
  return async () => {
    // A busy loop delays the histogram's ticks as much as this timer: wait for a sample, not a time.
    for (let waited = 0; (histogram?.count ?? 1) === 0 && waited < 2000; waited += HISTOGRAM_RESOLUTION_MS) {
      await new Promise((resolve) => setTimeout(resolve, HISTOGRAM_RESOLUTION_MS));
    }
  };
}
