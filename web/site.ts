// The HTTP server `tollbridge start` and `tollbridge api` run: the JSON API (api/server.ts) and,
// on the same router, the owner's and the operator's web pages, which reach the data only
// through the API's routes, in process.
import type { Router } from '../api/http.js';
import { startApi, type ApiServer, type ApiServerDeps } from '../api/server.js';
import { registerOperatorPages } from './operator-pages.js';
import { registerPages } from './pages.js';

/** The owner's and the operator's pages, after the API's routes on `router`. */
export function registerWebPages(router: Router, now: (() => number) | undefined): void {
  registerPages(router, now === undefined ? {} : { now });
  registerOperatorPages(router);
}

/** The API with the web pages. */
export function startSite(deps: ApiServerDeps, host: string, port: number): Promise<ApiServer> {
  return startApi(deps, host, port, (router) => registerWebPages(router, deps.now));
}
