// The HTTP API server (loopback by default). `tollbridge start` runs it beside the bridge.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Router } from './http.js';
import { registerRoutes, type ApiDeps } from './routes.js';
import { registerPages } from '../web/pages.js';
import { registerOperatorPages } from '../web/operator-pages.js';
import { registerMetricsRoute, type MetricsEndpoint } from './metrics-route.js';

export interface ApiServer {
  url: string;
  close(): Promise<void>;
}

/** The host names every API answers to, beside the one it listens on and those configured. */
export const LOCAL_HOST_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** `metrics`: serve GET /metrics from this registry (absent: 404). */
export async function startApi(deps: ApiDeps & { metrics?: MetricsEndpoint }, host: string, port: number): Promise<ApiServer> {
  const listenName = host.includes(':') ? `[${host}]` : host;
  const router = new Router({
    allowedHosts: [...LOCAL_HOST_NAMES, listenName, ...(deps.allowedHosts ?? [])],
    onInternalError: (err) => deps.log.error({ err }, 'API request failed'),
    // The audit log: every state change, with who and from where.
    onChange: (req) => deps.db.audit.record({ actor: req.actor ?? 'anonymous', action: `${req.method} ${req.pattern}`, target: req.path, address: req.address }),
  });
  registerRoutes(router, deps);
  if (deps.metrics !== undefined) registerMetricsRoute(router, deps.metrics);
  // The owner's web pages: same process, same router, reaching the data only through the routes above.
  registerPages(router, deps.now === undefined ? {} : { now: deps.now });
  registerOperatorPages(router, deps.now);
  const server = http.createServer((req, res) => {
    router.handle(req, res).catch((err: unknown) => {
      deps.log.error({ err }, 'API request failed');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${listenName}:${address.port}`;
  deps.log.info({ url }, 'API listening');
  return {
    url,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        router.endStreams();
      }),
  };
}
