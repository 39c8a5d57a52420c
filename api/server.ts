// The HTTP API server (loopback by default). `tollbridge start` runs it beside the bridge.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Router } from './http.js';
import { registerRoutes, type ApiDeps } from './routes.js';

export interface ApiServer {
  url: string;
  close(): Promise<void>;
}

export async function startApi(deps: ApiDeps, host: string, port: number): Promise<ApiServer> {
  const router = new Router((err) => deps.log.error({ err }, 'API request failed'));
  registerRoutes(router, deps);
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
  const url = `http://${host}:${address.port}`;
  deps.log.info({ url }, 'API listening');
  return {
    url,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
