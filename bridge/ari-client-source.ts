// What every ARI adapter in bridge/ is handed: the session's current client (ari-session.ts
// implements it). Its own module so that the adapters the session builds need not import the
// session back.
import type { Client } from 'ari-client';
import type { AriCallRequests } from './ari-rest.js';

/** Anything that hands out the current ari-client (it is replaced when ari-client gives up reconnecting). */
export interface AriClientSource {
  readonly client: Client;
  /** The caller path's requests, straight over HTTP (ari-rest.ts says why). */
  readonly rest: AriCallRequests;
}
