// Asterisk's side of GET /metrics: how long ARI requests take, by operation (ari-client's
// resource.operation names: a small fixed set), which fail, whether the websocket is up, and
// what waits in the app: events held during a resync, bridge operations queued in rooms.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { AriRequestTimer } from '../bridge/ari-rest.js';

/** 0.5 ms (a request on an idle Asterisk) to 15 s (the app gives a request up). */
export const ARI_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15];

/** What a scrape reads of the ARI connection and the app's queues. */
export interface AriView {
  ariConnected(): boolean;
  /** ARI events waiting in the app's gate while it resynchronises with Asterisk. */
  eventsHeld(): number;
  /** Bridge operations waiting or running in the rooms' queues. */
  roomOperationsQueued(): number;
}

export class AriMetrics implements AriRequestTimer {
  private view: AriView | null = null;
  private readonly seconds: Histogram<'operation'>;
  private readonly failures: Counter<'operation'>;

  constructor(registry: Registry) {
    const view = () => this.view;
    this.seconds = new Histogram({
      name: 'tollbridge_ari_request_duration_seconds',
      help: 'ARI REST requests, from sending to the answer, by operation',
      labelNames: ['operation'],
      buckets: ARI_BUCKETS,
      registers: [registry],
    });
    this.failures = new Counter({
      name: 'tollbridge_ari_request_failures_total',
      help: 'ARI REST requests that failed (an error status, no answer, or no answer in time), by operation',
      labelNames: ['operation'],
      registers: [registry],
    });
    new Gauge({
      name: 'tollbridge_ari_connected',
      help: "1 while the app's ARI websocket to Asterisk is up",
      registers: [registry],
      collect() {
        this.set(view()?.ariConnected() === true ? 1 : 0);
      },
    });
    new Gauge({
      name: 'tollbridge_ari_events_held',
      help: 'ARI events waiting in the app while it resynchronises with Asterisk (0 otherwise: events are handled as they come)',
      registers: [registry],
      collect() {
        this.set(view()?.eventsHeld() ?? 0);
      },
    });
    new Gauge({
      name: 'tollbridge_room_operations_queued',
      help: "Bridge operations (moves, prompts, releases) waiting or running in the rooms' queues",
      registers: [registry],
      collect() {
        this.set(view()?.roomOperationsQueued() ?? 0);
      },
    });
  }

  watch(view: AriView): void {
    this.view = view;
  }

  observe(operation: string, seconds: number, ok: boolean): void {
    this.seconds.observe({ operation }, seconds);
    if (!ok) this.failures.inc({ operation });
  }
}
