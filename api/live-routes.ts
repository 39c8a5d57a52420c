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
import { HttpError, ok, type Reply, type Request, type Router } from './http.js';
import { shownNews, shownView } from './live-shown.js';

const BASE = '/v1/accounts/:accountId/room/live';

export interface LiveRouteAuth {
  /** The request's live credential, which must be for the account in the path (else 403). */
  ownerCredential(req: Request): Promise<Credential>;
  roomOf(accountId: number): Promise<{ number: string }>;
  /** Calls `end` once the credential stops authenticating; returns how to let go first. */
  holdWhileLive(credential: Credential, end: (reason: StreamEndReason) => void): () => void;
}

/** The view of a room nobody is in. */
const emptyView = (room: string): LiveRoom => ({ room, state: 'idle', locked: false, mutedAll: false, recording: false, members: [] });

export function registerLiveRoutes(router: Router, live: LiveControl | undefined, auth: LiveRouteAuth): void {
  const liveRoom = async (req: Request): Promise<{ room: string; live: LiveControl; credential: Credential }> => {
    const credential = await auth.ownerCredential(req);
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
  const member = (live: LiveControl, room: string, req: Request): string => {
    const channelId = req.params.channelId ?? '';
    if (!(live.view(room)?.members.some((m) => m.channelId === channelId) ?? false)) throw new HttpError(404, 'NotInRoom', 'no such caller in the room now');
    return channelId;
  };

  router.add('GET', BASE, async (req) => {
    const { room, live } = await liveRoom(req);
    return ok(viewOf(live, room));
  });
  router.add('GET', `${BASE}/events`, async (req) => {
    const { room, live, credential } = await liveRoom(req);
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
  });
  for (const muted of [true, false]) {
    router.add('POST', `${BASE}/members/:channelId/${muted ? 'mute' : 'unmute'}`, async (req) => {
      const { room, live } = await liveRoom(req);
      return send(live, room, { type: 'MUTE', channelId: member(live, room, req), muted, by: OWNER });
    });
    router.add('POST', `${BASE}/${muted ? 'mute-all' : 'unmute-all'}`, async (req) => {
      const { room, live } = await liveRoom(req);
      return send(live, room, { type: 'MUTE_ALL', muted, by: OWNER });
    });
  }
  router.add('DELETE', `${BASE}/members/:channelId`, async (req) => {
    const { room, live } = await liveRoom(req);
    // 202: the caller hears conf-kicked, then is hung up; the stream's "left" says when.
    return send(live, room, { type: 'REMOVE', channelId: member(live, room, req), by: OWNER }, 202);
  });
  for (const locked of [true, false]) {
    router.add('POST', `${BASE}/${locked ? 'lock' : 'unlock'}`, async (req) => {
      const { room, live } = await liveRoom(req);
      return send(live, room, { type: 'LOCK', locked, by: OWNER });
    });
  }
  router.add('POST', `${BASE}/end`, async (req) => {
    const { room, live } = await liveRoom(req);
    return send(live, room, { type: 'END', by: OWNER }, 202);
  });
  for (const on of [true, false]) {
    router.add('POST', `${BASE}/recording/${on ? 'start' : 'stop'}`, async (req) => {
      const { room, live } = await liveRoom(req);
      // 202: the recorder starts (or stops) after the request; the view's "recording" says when it did.
      return send(live, room, { type: 'RECORD', on, by: OWNER }, 202);
    });
  }
}
