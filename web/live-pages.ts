// The owner's live view of their room and its recordings, through the API's own routes as the
// signed-in visitor (api/live-routes.ts, api/recording-routes.ts):
//   GET  /app/room/live                 who is in the room now, with a form per control
//   POST /app/room/live/...             each control: the live API route of the same name
//   GET  /app/room/live/events          the API's event stream, for the page's script
//   GET  /app/room/recordings/:id/file  the API's file reply (audio/wav), streamed through
//   GET  /web/live.js                   the script (progressive enhancement)
// Without the bridge in this process the live API answers 404 LiveUnavailable: the page says so.
import { HttpError, type Reply, type Request } from '../api/http.js';
import type { LiveRoom } from '../flows/room-controls.js';
import { page, PAGE_CSP } from './layout.js';
import { LIVE_SCRIPT } from './live-script.js';
import { liveView } from './live-views.js';
import type { PageKit, Visitor } from './page-kit.js';

/** The live page runs one script from 'self' and opens the event stream on 'self'; nothing more. */
const LIVE_CSP = `${PAGE_CSP}; script-src 'self'; connect-src 'self'`;
const LIVE = '/app/room/live';
const CHANNEL = /^[A-Za-z0-9._-]{1,100}$/;
const RECORDING = /^[1-9]\d{0,14}$/;

/** Page route suffix -> the live API route's method, suffix and the notice shown after it. */
const ROOM_CONTROLS: Array<{ path: string; api: string; done: string }> = [
  { path: 'lock', api: 'lock', done: 'livelocked' },
  { path: 'unlock', api: 'unlock', done: 'liveunlocked' },
  { path: 'mute-all', api: 'mute-all', done: 'livemutedall' },
  { path: 'unmute-all', api: 'unmute-all', done: 'liveunmutedall' },
  { path: 'end', api: 'end', done: 'liveended' },
  { path: 'recording/start', api: 'recording/start', done: 'liverecording' },
  { path: 'recording/stop', api: 'recording/stop', done: 'livestopped' },
];
const MEMBER_CONTROLS: Array<{ path: string; method: string; api: string; done: string }> = [
  { path: 'mute', method: 'POST', api: '/mute', done: 'livemuted' },
  { path: 'unmute', method: 'POST', api: '/unmute', done: 'liveunmuted' },
  { path: 'remove', method: 'DELETE', api: '', done: 'liveremoved' },
];

/** What the redirects after a control say (merged into the pages' notices). */
export const LIVE_NOTICES: Record<string, string> = {
  livemuted: 'Muted: the caller hears that they are muted.',
  liveunmuted: 'Unmuted.',
  liveremoved: 'Removed: the caller hears that they were removed, then is hung up.',
  livelocked: 'The room is locked: nobody new may enter.',
  liveunlocked: 'The room is unlocked.',
  livemutedall: 'Everyone but the moderators is muted.',
  liveunmutedall: 'Everyone is unmuted.',
  liveended: 'The conference is ending: everyone hears it and is hung up.',
  liverecording: 'Recording starts: everyone hears that the call is recorded.',
  livestopped: 'Recording stopped. It is listed on My room once its file is saved.',
};

/** The API's refusal in a reply, as the page's error (with a fallback when it carried none). */
function refusal(reply: Reply, code: string, message: string): HttpError {
  const error = 'json' in reply ? (reply.json as { error?: { code: string; message: string } } | null)?.error : undefined;
  return new HttpError(reply.status >= 400 ? reply.status : 502, error?.code ?? code, error?.message ?? message);
}

export function registerLivePages(kit: PageKit): void {
  const { add, call, signedInPage, orShow, frame, htmlReply, redirect, base } = kit;
  /** A page of the visitor's room (an organization's administrator has none). */
  const roomPage = (handler: (req: Request, v: Visitor) => Promise<Reply>) => signedInPage(async (req, v) => (v.room === null ? redirect('/app/organization') : handler(req, v)));

  const livePage = async (req: Request, v: Visitor, error?: string): Promise<Reply> => {
    const answer = await call<LiveRoom>(req, 'GET', `${base(v)}/room/live`, v.token);
    if (answer.error !== undefined && answer.error.code !== 'LiveUnavailable') throw new HttpError(answer.status, answer.error.code, answer.error.message);
    const view = answer.error === undefined ? answer.body : null;
    return htmlReply(page(frame(v, req, 'Who is in my room', error === undefined ? {} : { error }), liveView(v.csrf, view)), error === undefined ? 200 : 409, { 'content-security-policy': LIVE_CSP });
  };
  /** Runs a live API route; its refusal (nobody in the room, a caller gone) re-renders the page with its message. */
  const control = (req: Request, v: Visitor, method: string, suffix: string, done: string) =>
    orShow(async () => {
      const answer = await call(req, method, `${base(v)}/room/live${suffix}`, v.token);
      if (answer.error !== undefined) throw new HttpError(answer.status, answer.error.code, answer.error.message);
      return redirect(`${LIVE}?done=${done}`);
    }, async (message) => livePage(req, v, message));

  add('GET', '/web/live.js', async () => ({ status: 200, text: LIVE_SCRIPT, contentType: 'text/javascript; charset=utf-8' }));
  add('GET', LIVE, roomPage(async (req, v) => livePage(req, v)));
  add('GET', `${LIVE}/events`, roomPage(async (req, v) => {
    // The API's own stream reply (authorization and all); served as a stream from the network.
    const reply = await kit.invoke(req, 'GET', `${base(v)}/room/live/events`, v.token);
    if (reply.status === 200 && 'stream' in reply) return reply;
    throw refusal(reply, 'LiveUnavailable', 'the live view is not available');
  }));
  for (const c of ROOM_CONTROLS) add('POST', `${LIVE}/${c.path}`, roomPage(async (req, v) => control(req, v, 'POST', `/${c.api}`, c.done)), 'form');
  for (const c of MEMBER_CONTROLS) {
    add('POST', `${LIVE}/members/:channelId/${c.path}`, roomPage(async (req, v) => {
      const channelId = req.params.channelId ?? '';
      if (!CHANNEL.test(channelId)) throw new HttpError(404, 'NotInRoom', 'no such caller in the room now');
      return control(req, v, c.method, `/members/${encodeURIComponent(channelId)}${c.api}`, c.done);
    }), 'form');
  }

  add('GET', '/app/room/recordings/:recordingId/file', roomPage(async (req, v) => {
    const id = req.params.recordingId ?? '';
    if (!RECORDING.test(id)) throw new HttpError(404, 'RecordingNotFound', 'no such recording');
    // The API's file reply (its own authorization, headers and audio/wav), streamed from disk.
    const reply = await kit.invoke(req, 'GET', `${base(v)}/recordings/${id}/file`, v.token);
    if ('file' in reply) return reply;
    throw refusal(reply, 'RecordingNotFound', 'no such recording');
  }));
}
