// ari-client's websocket events, read lean. For every event ari-client looks the type up in
// Swagger's models and builds a resource object (Channel, Bridge, Playback ...) with each of its
// REST operations attached, then emits the event with those objects; in a profile of 120-200
// callers that was about 9 % of the app's main thread (ari-client and lodash), and its garbage
// fed the collector. The app reads only the events' own fields (bridge/ari-session.ts), so here
// each message is parsed once and emitted on the client as ari-client would, with the raw
// resource (the event's only resource, or all of them by name) in place of the built object.
//
// ari-client keeps its websocket as `_ws` and makes a new one on every reconnect, emitting
// WebSocketConnected from the socket's 'open': the handler is swapped there, before the socket
// can deliver a message. Without `_ws` (another ari-client) nothing is swapped and ari-client
// reads its events itself, as before.
import type { Client } from 'ari-client';
import type { EventEmitter } from 'node:events';

interface MessageSource {
  listeners(event: 'message'): Array<(...args: unknown[]) => void>;
  removeAllListeners(event: 'message'): void;
  on(event: 'message', listener: (data: unknown) => void): void;
}

/** Resource fields of ARI events (Swagger's knownTypes that events carry). */
const RESOURCE_FIELDS = ['channel', 'bridge', 'playback', 'recording', 'endpoint', 'device_state', 'peer', 'replace_channel', 'transferee', 'transfer_target'] as const;

/** What ari-client passes as an event's second argument: the only resource, all by name, or undefined. */
export function eventResources(event: Record<string, unknown>): unknown {
  const present = RESOURCE_FIELDS.filter((field) => event[field] !== undefined && event[field] !== null && typeof event[field] === 'object');
  if (present.length === 0) return undefined;
  if (present.length === 1) return event[present[0] as string];
  return Object.fromEntries(present.map((field) => [field, event[field]]));
}

function socketOf(client: Client): MessageSource | null {
  const ws = (client as unknown as { _ws?: unknown })._ws;
  if (typeof ws !== 'object' || ws === null) return null;
  const source = ws as Partial<MessageSource>;
  return typeof source.listeners === 'function' && typeof source.removeAllListeners === 'function' && typeof source.on === 'function' ? (source as MessageSource) : null;
}

/** Makes `client` read its events lean on every websocket it connects from now on. */
export function readEventsLean(client: Client, onUnreadable: (err: unknown) => void): void {
  // ari-client's Client is an EventEmitter; its typings leave emit out.
  const emitter = client as unknown as Pick<EventEmitter, 'emit'>;
  const swap = () => {
    const ws = socketOf(client);
    if (ws === null || ws.listeners('message').length !== 1) return; // not the ari-client we know: leave it be
    ws.removeAllListeners('message');
    ws.on('message', (data) => {
      let event: Record<string, unknown>;
      try {
        event = JSON.parse(String(data)) as Record<string, unknown>;
      } catch (err) {
        onUnreadable(err);
        return;
      }
      if (typeof event.type !== 'string') return;
      const resources = eventResources(event);
      emitter.emit('*', event, resources);
      emitter.emit(event.type, event, resources);
    });
  };
  client.on('WebSocketConnected', swap);
}
