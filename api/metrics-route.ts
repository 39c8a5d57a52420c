// GET /metrics: the process's Prometheus metrics (text exposition format). Counts, states and
// durations only: no room or caller numbers, PINs or account ids, in names or labels. Open
// when TOLLBRIDGE_METRICS_TOKEN is empty (the API listens on loopback by default); otherwise
// Prometheus sends it as a bearer token (its own token: the operator's has far more power).
import type { Registry } from 'prom-client';
import { HttpError, type Router } from './http.js';
import { sameSecret } from './routes.js';

export interface MetricsEndpoint {
  registry: Registry;
  /** Bearer token a scrape must send; empty: none needed. */
  token: string;
}

export function registerMetricsRoute(router: Router, endpoint: MetricsEndpoint): void {
  router.add(
    'GET',
    '/metrics',
    async (req) => {
      if (endpoint.token !== '') {
        const given = /^Bearer\s+(\S{1,200})$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
        if (!sameSecret(given, endpoint.token)) throw new HttpError(403, 'Forbidden', '/metrics needs TOLLBRIDGE_METRICS_TOKEN as a bearer token', { 'www-authenticate': 'Bearer' });
      }
      return { status: 200, text: await endpoint.registry.metrics(), contentType: endpoint.registry.contentType };
    },
    'json',
    // Prometheus's text format, not JSON: outside the OpenAPI document (README, Operations, Metrics).
    'page',
  );
}
