// ari-client's REST requests go through swagger-client 2.0's HTTP layer (shred), which never
// reports a connection that fails under a request (reset, refused: shred emits
// "request_error", and swagger-client listens only for "error" and "response"). So the promise
// of a request cut with the ARI connection never settles, and whatever awaits it (a room's
// queue of bridge operations, a resync) would wait for ever. The app's ari-client is handed out
// wrapped: every operation of its resources (channels, bridges, ...) that has not settled
// within the limit rejects, as any failed request does.
import type { Client } from 'ari-client';
import type { AriRequestTimer } from './ari-rest.js';

/** The resources of ari-client's Client whose operations are REST requests. */
const RESOURCES: ReadonlySet<string> = new Set(['applications', 'asterisk', 'bridges', 'channels', 'deviceStates', 'endpoints', 'mailboxes', 'playbacks', 'recordings', 'sounds']);

/** The promise, or a rejection saying `what` had no answer within `ms` (the timer never keeps the process up). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  promise.catch(() => undefined); // a late failure after the timeout is not unhandled
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function isThenable(value: unknown): value is Promise<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** The resource with each operation's promise bounded (other properties as they are). */
function boundedResource(resource: object, name: string, limitMs: number, timer: AriRequestTimer | undefined): object {
  const operations = new Map<string, unknown>();
  return new Proxy(resource, {
    get(target, prop): unknown {
      const value: unknown = Reflect.get(target, prop);
      if (typeof prop !== 'string' || typeof value !== 'function') return value;
      let operation = operations.get(prop);
      if (operation === undefined) {
        const what = `${name}.${prop}`;
        operation = (...args: unknown[]): unknown => {
          const started = performance.now();
          const result: unknown = Reflect.apply(value, target, args);
          if (!isThenable(result)) return result;
          const bounded = withTimeout(result, limitMs, `ARI ${what}`);
          if (timer !== undefined) {
            const took = () => (performance.now() - started) / 1000;
            bounded.then(() => timer.observe(what, took(), true), () => timer.observe(what, took(), false));
          }
          return bounded;
        };
        operations.set(prop, operation);
      }
      return operation;
    },
  });
}

/**
 * The client, its resources' operations bounded to `limitMs` (and timed by `timer`, if given);
 * anything else (events, start, stop) untouched.
 */
export function boundedClient(client: Client, limitMs: number, timer?: AriRequestTimer): Client {
  const resources = new Map<string, object>();
  return new Proxy(client, {
    get(target, prop): unknown {
      const value: unknown = Reflect.get(target, prop);
      if (typeof prop !== 'string' || !RESOURCES.has(prop) || typeof value !== 'object' || value === null) return value;
      let resource = resources.get(prop);
      if (resource === undefined) {
        resource = boundedResource(value, prop, limitMs, timer);
        resources.set(prop, resource);
      }
      return resource;
    },
  });
}
