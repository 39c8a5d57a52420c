// One prom-client registry per process (never prom-client's global one: tests run several
// bridges in one process), with Node's process metrics under their standard names
// (process_cpu_seconds_total, nodejs_eventloop_lag_seconds, ...) so stock dashboards read them.
import { collectDefaultMetrics, Registry } from 'prom-client';

export function createMetricsRegistry(options: { processMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}
