// The HTTP API server (loopback by default). `tollbridge start` runs it beside the bridge, with
// the web pages on the same router (web/site.ts hands them in: the API knows no page).
import { TrustedProxies } from './client-address.js';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Router } from './http.js';
import { registerRoutes, type ApiDeps } from './routes.js';
import { registerMetricsRoute, type MetricsEndpoint } from './metrics-route.js';

export interface ApiServer {
  url: string;
  close(): Promise<void>;
}

/** The host names every API answers to, beside the one it listens on and those configured. */
export const LOCAL_HOST_NAMES = ['localhost', '127.0.0.1', '[::1]'];

export type ApiServerDeps = ApiDeps & { metrics?: MetricsEndpoint };

/**
 * `metrics`: serve GET /metrics from this registry (absent: 404). `frontEnd`: adds more routes
 * after the API's own, e.g. the web pages (web/site.ts).
 */
export async function startApi(deps: ApiServerDeps, host: string, port: number, frontEnd: (router: Router) => void = () => undefined): Promise<ApiServer> {
  const listenName = host.includes(':') ? `[${host}]` : host;
  const router = new Router({
    allowedHosts: [...LOCAL_HOST_NAMES, listenName, ...(deps.allowedHosts ?? [])],
    onInternalError: (err) => deps.log.error({ err }, 'API request failed'),
    // The audit log: every state change, with who and from where.
    onChange: (req) => deps.db.audit.record({ actor: req.actor ?? 'anonymous', action: `${req.method} ${req.pattern}`, target: req.path, address: req.address }),
    trustedProxies: new TrustedProxies(deps.trustedProxies ?? []),
  });
  registerRoutes(router, deps);
  if (deps.metrics !== undefined) registerMetricsRoute(router, deps.metrics);
  frontEnd(router);
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
