// The bodies of the live view (/app/room/live) and of My room's recordings: pure functions from
// the API's answers (GET .../room/live, GET .../recordings) to escaped HTML. Every control is a
// small form with the CSRF token, so the page works without JavaScript; web/live-script.ts only
// refreshes the #live section when the room's event stream says something changed.
import { html, type Html } from './html.js';
import { csrfField, when } from './view-parts.js';
import type { LiveMember, LiveRoom } from '../flows/room-controls.js';

/** A recording as GET /v1/accounts/:id/recordings lists it (api/recording-routes.ts). */
export interface RecordingListed {
  id: number;
  startedAt: string;
  endedAt: string | null;
  sizeBytes: number | null;
  present: Array<{ channelId: string; callerNumber: string | null; role: string | null }>;
  download: string | null;
}

const LIVE = '/app/room/live';
const isoWhen = (iso: string | null) => (iso === null ? '' : when(Date.parse(iso)));
const callerName = (m: Pick<LiveMember, 'callerNumber'>) => m.callerNumber ?? 'caller without number';

/** One button in a form of its own, posting to a live control's page route. */
function control(csrf: string, action: string, id: string, label: Html, danger = false): Html {
  return html`<form method="post" action="${action}" class="inline">${csrfField(csrf)}<button type="submit" id="${id}"${danger ? html` class="danger"` : ''}>${label}</button></form>`;
}

function memberRow(csrf: string, m: LiveMember): Html {
  const member = `${LIVE}/members/${encodeURIComponent(m.channelId)}`;
  const who = html`<span class="skip"> ${callerName(m)}</span>`;
  return html`<tr data-channel="${m.channelId}"><td data-label="Caller">${callerName(m)}</td><td data-label="Role">${m.role}${m.where === 'waiting' ? ' (waiting for a moderator)' : ''}</td><td data-label="Joined">${m.joinedAt === null ? '' : when(m.joinedAt)}</td>
<td data-label="Muted">${m.muted ? 'muted' : 'no'}</td><td data-label="Talking" data-talking="${m.channelId}">${m.talking ? 'talking' : 'no'}</td>
<td class="actions">${m.muted
    ? control(csrf, `${member}/unmute`, `unmute-${m.channelId}`, html`Unmute${who}`)
    : control(csrf, `${member}/mute`, `mute-${m.channelId}`, html`Mute${who}`)} ${control(csrf, `${member}/remove`, `remove-${m.channelId}`, html`Remove${who}`, true)}</td></tr>`;
}

/** The #live section: the room now, and its controls (none when nobody is in it: there is nothing to control). */
export function liveSection(csrf: string, view: LiveRoom): Html {
  const count = view.members.length;
  const summary = count === 0 ? 'Nobody is in the room now.' : `${count === 1 ? '1 caller' : `${count} callers`} in the room${view.locked ? ', locked' : ''}${view.recording ? ', recording' : ''}.`;
  if (count === 0) return html`<p data-summary id="live-state">${summary}</p>`;
  return html`<p data-summary id="live-state">${summary}</p>
<div class="scroll"><table id="live-members" class="cards"><caption class="skip">Callers in the room</caption><thead><tr><th scope="col">Caller</th><th scope="col">Role</th><th scope="col">Joined</th><th scope="col">Muted</th><th scope="col">Talking</th><th scope="col">Actions</th></tr></thead>
<tbody>${view.members.map((m) => memberRow(csrf, m))}</tbody></table></div>
<h2>The whole room</h2>
<p>Locked: <strong id="live-locked">${view.locked ? 'yes' : 'no'}</strong> · Recording: <strong id="live-recording">${view.recording ? 'yes' : 'no'}</strong></p>
<div class="controls">
${view.locked ? control(csrf, `${LIVE}/unlock`, 'unlock', html`Unlock the room`) : control(csrf, `${LIVE}/lock`, 'lock', html`Lock the room`)}
${control(csrf, `${LIVE}/mute-all`, 'mute-all', html`Mute all but moderators`)}
${control(csrf, `${LIVE}/unmute-all`, 'unmute-all', html`Unmute all`)}
${view.recording ? control(csrf, `${LIVE}/recording/stop`, 'recording-stop', html`Stop recording`) : control(csrf, `${LIVE}/recording/start`, 'recording-start', html`Start recording`)}
${control(csrf, `${LIVE}/end`, 'end', html`End the conference for everyone`, true)}
</div>`;
}

/** The live page: the section, a status line the script keeps current, and the script. `view` null: no bridge in this process. */
export function liveView(csrf: string, view: LiveRoom | null): Html {
  if (view === null) {
    return html`<p id="live-unavailable">The live view is not available on this server: only the process that runs the bridge (<code>tollbridge start</code>) knows who is in the room. Your room still works; the calls are on <a href="/app/usage">Usage and statements</a>.</p>
<p><a href="/app/room">Back to my room</a></p>`;
  }
  return html`<p>Who is in your room now. Muting, removing, locking, recording and ending work as a moderator's keys do: callers hear the same announcements. Reload the page to see changes (with JavaScript on, it updates by itself).</p>
<section id="live" aria-labelledby="live-heading" data-events="${LIVE}/events"><h2 id="live-heading" class="skip">The room now</h2>${liveSection(csrf, view)}</section>
<p><a href="${LIVE}">Reload</a> · <a href="/app/room">Back to my room</a></p>
<p class="skip" role="status" id="live-announce"></p>
<script src="/web/live.js" defer></script>`;
}

/** My room's recordings: start, end, who was present, and a download once the file is saved. */
/** How many recordings My room lists (the newest); the API pages through all of them. */
export const RECORDINGS_SHOWN = 50;

export function recordingsSection(recordings: RecordingListed[]): Html {
  const intro = html`<p>Conference recordings of your room (a moderator's key 6, or Start recording on the <a href="${LIVE}">live view</a>). Everyone in the room hears that the call is recorded. They are deleted after the time this server's operator sets.</p>`;
  if (recordings.length === 0) return html`${intro}<p id="no-recordings">No recordings.</p>`;
  const present = (r: RecordingListed) => html`<ul class="plain">${r.present.map((p) => html`<li>${p.callerNumber ?? 'caller without number'}${p.role === null ? '' : ` (${p.role})`}</li>`)}</ul>`;
  const size = (bytes: number | null) => (bytes === null ? '' : `${(bytes / 1024).toFixed(0)} KiB`);
  return html`${intro}<div class="scroll"><table id="recordings"><caption class="skip">Recordings</caption><thead><tr><th scope="col">Started</th><th scope="col">Ended</th><th scope="col">Present</th><th scope="col" class="num">Size</th><th scope="col">File</th></tr></thead>
<tbody>${recordings.map((r) => html`<tr data-recording="${r.id}"><td>${isoWhen(r.startedAt)}</td><td>${r.endedAt === null ? 'still recording' : isoWhen(r.endedAt)}</td><td>${present(r)}</td><td class="num">${size(r.sizeBytes)}</td>
<td>${r.download === null ? '' : html`<a href="/app/room/recordings/${r.id}/file" download>Download<span class="skip"> the recording of ${isoWhen(r.startedAt)}</span> (WAV)</a>`}</td></tr>`)}</tbody></table></div>
${recordings.length >= RECORDINGS_SHOWN ? html`<p>The newest ${RECORDINGS_SHOWN} are shown; the API lists them all (GET /v1/accounts/&lt;id&gt;/recordings, paged).</p>` : ''}`;
}
