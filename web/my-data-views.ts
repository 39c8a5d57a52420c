// The body of the "My data" page: the export, and deleting the account for good with what that
// does said plainly before the password is asked for.
import { html, type Html } from './html.js';
import { csrfField } from './view-parts.js';
import type { RoomShown } from '../api/schemas.js';
import type { Account } from '../db/index.js';

export function myDataView(csrf: string, account: Account, room: RoomShown | null): Html {
  const roomLine = room === null
    ? html`<li>Your organization's members are let go: their rooms and PINs stay theirs, and their calls until now stay on the statement.</li>`
    : html`<li>Your room <strong>${room.number}</strong> keeps its number, but nobody can enter it any more, and that number is <strong>never issued again</strong> to anyone.</li>`;
  return html`<h2>Export</h2>
<p>Everything tollbridge keeps about you, as one JSON file: your account, ${room === null ? 'your organization' : 'your room\'s settings, your organization'}, your toll-free subscriptions, every ledger leg billed to you${room === null ? '' : ' or made into your room'} (with callers' numbers) and the list of your room's conference recordings (start, end, who was present; each file downloads from My room).</p>
<p><a href="/app/my-data/export" download id="export-link">Download my data (JSON)</a></p>
<h2>Delete my account for good</h2>
<p>This cannot be undone. When you delete ${account.name}'s account:</p>
<ul>
<li>Your name, e-mail address and password are erased; you are signed out everywhere and your API keys stop working.</li>
<li>Your toll-free subscriptions end: new calls are refused, calls in progress finish and are billed.</li>
${roomLine}
<li>The ledger legs stay, because billing needs them (statements already sent, an organization's statement), but without personal fields: callers' numbers and your e-mail address are removed.</li>
</ul>
<form method="post" action="/app/my-data/delete">${csrfField(csrf)}
<label for="deletePassword">Your password (to confirm it is you)</label><input id="deletePassword" name="password" type="password" autocomplete="current-password" required>
<label><input type="checkbox" name="confirm" required> I understand that my account is deleted for good</label>
<button type="submit" class="danger">Delete my account for good</button></form>`;
}

export function deletedView(retiredRoomNumber: string | null): Html {
  return html`<p>Your account was deleted for good and you are signed out.</p>
${retiredRoomNumber === null ? '' : html`<p>Room <strong id="retired-room">${retiredRoomNumber}</strong> is retired: its number is never issued again.</p>`}
<p><a href="/signin">Sign in page</a></p>`;
}
