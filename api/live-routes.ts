// The owner's live view and controls of their room (issue 12): who is in it now, and the same
// controls a moderator has on the keypad, sent to the room's machine as the same events
// (flows/room-controls.ts), plus a server-sent event stream of joins, leaves, mutes and talking.
// Only in the process that runs the bridge (`tollbridge start`): `tollbridge api` answers 404 LiveUnavailable.
// Callers show as the last four digits of their number (api/live-shown.ts); a stream ends with
// the session or key that opened it (api/credential-streams.ts).
import type { LiveControl } from '../app/calls/live-rooms.js';
import type { Credential } from '../db/index.js';
import { OWNER, type LiveRoom, type RoomControl } from '../flows/room-controls.js';
import type { StreamEndReason } from './credential-streams.js';
import { z } from 'zod';
import { HttpError, ok, type Auth, type Reply, type Router } from './http.js';
import { shownNews, shownView } from './live-shown.js';
import { LiveRoomAnswer, json, ownerParams } from './schemas.js';
import { refusedAs } from './validation.js';

const BASE = '/v1/accounts/:accountId/room/live';

export interface LiveRouteAuth {
  /** The request's live credential, which must be for the account in the path (else 403). */
  ownerCredential: Auth<Credential>;
  roomOf(accountId: number): Promise<{ number: string }>;
  /** Calls `end` once the credential stops authenticating; returns how to let go first. */
  holdWhileLive(credential: Credential, end: (reason: StreamEndReason) => void): () => void;
}

/** The view of a room nobody is in. */
const emptyView = (room: string): LiveRoom => ({ room, state: 'idle', locked: false, mutedAll: false, recording: false, members: [] });

/** A caller in the room, by their channel id. */
const memberParams = z.strictObject({
  accountId: ownerParams.shape.accountId,
  channelId: refusedAs(z.string().max(200), { code: 'NotInRoom', message: 'no such caller in the room now' }),
});
const VIEW = json('The room now (callers as the last four digits of their number).', LiveRoomAnswer);

export function registerLiveRoutes(router: Router, live: LiveControl | undefined, auth: LiveRouteAuth): void {
  const liveRoom = async (credential: Credential): Promise<{ room: string; live: LiveControl; credential: Credential }> => {
    const room = (await auth.roomOf(credential.accountId)).number;
    if (live === undefined) throw new HttpError(404, 'LiveUnavailable', 'the live view is served only by the process that runs the bridge (tollbridge start)');
    return { room, live, credential };
  };
  const viewOf = (live: LiveControl, room: string) => shownView(live.view(room) ?? emptyView(room));
  /** Sends a control to a room someone is in; 409 when nobody is. */
  const send = (live: LiveControl, room: string, control: RoomControl, status = 200): Reply => {
    if (!live.control(room, control)) throw new HttpError(409, 'RoomEmpty', 'nobody is in the room now');
    return ok(viewOf(live, room), status);
  };
  const member = (live: LiveControl, room: string, channelId: string): string => {
    if (!(live.view(room)?.members.some((m) => m.channelId === channelId) ?? false)) throw new HttpError(404, 'NotInRoom', 'no such caller in the room now');
    return channelId;
  };

  /** A control on the room, in the room's state as the view says it (a POST without a body). */
  const control = (path: string, status: 200 | 202, description: string, make: () => RoomControl) =>
    router.endpoint({
      method: 'POST',
      path: `${BASE}/${path}`,
      auth: auth.ownerCredential,
      params: ownerParams,
      answers: { [status]: json(description, LiveRoomAnswer) },
      handler: async ({ auth: credential }) => {
        const { room, live } = await liveRoom(credential);
        return send(live, room, make(), status);
      },
    });

  router.endpoint({
    method: 'GET',
    path: BASE,
    auth: auth.ownerCredential,
    params: ownerParams,
    answers: { 200: VIEW },
    handler: async ({ auth: credential }) => {
      const { room, live } = await liveRoom(credential);
      return ok(viewOf(live, room));
    },
  });
  router.endpoint({
    method: 'GET',
    path: `${BASE}/events`,
    auth: auth.ownerCredential,
    params: ownerParams,
    answers: { 200: { description: 'Server-sent events, each data a JSON object.', media: ['text/event-stream'] } },
    handler: async ({ auth: owner }) => {
      const { room, live, credential } = await liveRoom(owner);
      return {
        status: 200,
        contentType: 'text/event-stream',
        text: '',
        // First the room as it stands, then each change as it happens, until the stream's
        // credential ends (then a last "closed" event).
        stream: (sendEvent, close) => {
          sendEvent('room', viewOf(live, room));
          const unwatch = live.watch(room, (news) => sendEvent(news.type, shownNews(news)));
          const release = auth.holdWhileLive(credential, (reason) => {
            sendEvent('closed', { type: 'closed', reason });
            close();
          });
          return () => {
            unwatch();
            release();
          };
        },
      };
    },
  });
  for (const muted of [true, false]) {
    router.endpoint({
      method: 'POST',
      path: `${BASE}/members/:channelId/${muted ? 'mute' : 'unmute'}`,
      auth: auth.ownerCredential,
      params: memberParams,
      answers: { 200: VIEW },
      handler: async ({ auth: credential, params }) => {
        const { room, live } = await liveRoom(credential);
        return send(live, room, { type: 'MUTE', channelId: member(live, room, params.channelId), muted, by: OWNER });
      },
    });
    control(muted ? 'mute-all' : 'unmute-all', 200, 'The room, everyone but moderators muted (or not).', () => ({ type: 'MUTE_ALL', muted, by: OWNER }));
  }
  router.endpoint({
    method: 'DELETE',
    path: `${BASE}/members/:channelId`,
    auth: auth.ownerCredential,
    params: memberParams,
    answers: { 202: json('The caller hears conf-kicked, then is hung up; the stream\'s "left" says when.', LiveRoomAnswer) },
    handler: async ({ auth: credential, params }) => {
      const { room, live } = await liveRoom(credential);
      // 202: the caller hears conf-kicked, then is hung up; the stream's "left" says when.
      return send(live, room, { type: 'REMOVE', channelId: member(live, room, params.channelId), by: OWNER }, 202);
    },
  });
  for (const locked of [true, false]) {
    control(locked ? 'lock' : 'unlock', 200, locked ? 'The room, locked for this conference.' : 'The room, unlocked.', () => ({ type: 'LOCK', locked, by: OWNER }));
  }
  control('end', 202, 'Everyone hears goodbye and is hung up.', () => ({ type: 'END', by: OWNER }));
  for (const on of [true, false]) {
    // 202: the recorder starts (or stops) after the request; the view's "recording" says when it did.
    control(`recording/${on ? 'start' : 'stop'}`, 202, 'The recorder starts (or stops) after the request; the view\'s "recording" says when it did.', () => ({ type: 'RECORD', on, by: OWNER }));
  }
}
