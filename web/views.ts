// The bodies of the owner's pages: pure functions from data to escaped HTML.
import { minutesChart, type DayMinutes } from './chart.js';
import { html, type Html } from './html.js';
import type { RoomShown } from '../api/schemas.js';
import type { Account, LedgerEntry, PhoneNumber, Subscription } from '../db/index.js';
import type { Statement } from '../db/repositories/statements.js';
import { CALLBACKS_LINE } from '../domain/billing.js';
import type { RoomAnnouncements } from '../domain/rooms.js';
import { formatMoney, roundToCents } from '../domain/money.js';
import { csrfField, when, type NumberUsage, type UsageFilter } from './view-parts.js';

/** Languages with Debian prompt packs in the Asterisk root (the room's own is added when it is another, e.g. from TOLLBRIDGE_PROMPT_DIRS). */
export const LANGUAGES: Array<[string, string]> = [['en', 'English'], ['es', 'Spanish'], ['fr', 'French'], ['it', 'Italian'], ['ru', 'Russian']];
const POLICIES: Array<[string, string]> = [
  ['continue', 'the conference continues'],
  ['wait', 'participants wait on music until a moderator returns'],
  ['end', 'everyone is told and hung up'],
];

export const money = (micros: number | null) => (micros === null ? '' : (micros / 1_000_000).toFixed(4));

export function signinView(nonce: string): Html {
  return html`<form method="post" action="/signin">
<input type="hidden" name="_form" value="${nonce}">
<label for="email">E-mail</label><input id="email" name="email" type="email" autocomplete="username" required maxlength="320">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
<button type="submit">Sign in</button>
</form>
<p><a href="/forgot-password">Forgot your password?</a></p>`;
}

export function forgotView(nonce: string): Html {
  return html`<p>Type your account's e-mail address: we send a link to choose a new password.</p>
<form method="post" action="/forgot-password"><input type="hidden" name="_form" value="${nonce}">
<label for="email">E-mail</label><input id="email" name="email" type="email" autocomplete="username" required maxlength="320">
<button type="submit">Send the link</button></form>
<p><a href="/signin">Back to sign in</a></p>`;
}

export function resetView(nonce: string, token: string): Html {
  return html`<form method="post" action="/reset-password"><input type="hidden" name="_form" value="${nonce}"><input type="hidden" name="token" value="${token}">
<label for="newPassword">New password (at least 8 characters)</label><input id="newPassword" name="newPassword" type="password" autocomplete="new-password" required minlength="8">
<label for="confirmPassword">New password again</label><input id="confirmPassword" name="confirmPassword" type="password" autocomplete="new-password" required minlength="8">
<button type="submit">Set the new password</button></form>`;
}

export function confirmEmailView(nonce: string, token: string): Html {
  return html`<form method="post" action="/confirm-email"><input type="hidden" name="_form" value="${nonce}"><input type="hidden" name="token" value="${token}">
<p>Make the address this link was sent to the address of your tollbridge account?</p>
<button type="submit">Confirm the new address</button></form>`;
}

export function pinsForm(csrf: string, action: string, room: RoomShown, first: boolean): Html {
  return html`${first ? html`<p>Welcome. Before anything else, choose the two PINs of your room <strong>${room.number}</strong>: until both are set nobody can enter it.</p>` : ''}
<form method="post" action="${action}">
${csrfField(csrf)}
<label for="moderator">Moderator PIN (4 to 8 digits: opens the conference)</label>
<input id="moderator" name="moderator" type="password" inputmode="numeric" pattern="[0-9]{4,8}" autocomplete="new-password" required>
<label for="participant">Participant PIN (4 to 8 digits, different: waits for a moderator)</label>
<input id="participant" name="participant" type="password" inputmode="numeric" pattern="[0-9]{4,8}" autocomplete="new-password" required>
<button type="submit">Save PINs</button>
</form>`;
}

/** What the room's calls cost this month so far (GET room's "spend"). */
export interface RoomSpendShown {
  spentMicros: number;
  level: 'under' | 'warning' | 'reached';
}

/** `dialIn`: the numbers that reach the room (its own subscriptions, and an organization's for a member). */
export function roomView(csrf: string, room: RoomShown, dialIn: string[], spend?: RoomSpendShown): Html {
  const numbers = dialIn.length === 0
    ? html`<p>No toll-free number answers for your room yet: <a href="/app/numbers">subscribe to one</a>.</p>`
    : html`<ul>${dialIn.map((e164) => html`<li><a href="tel:${e164}">${e164}</a></li>`)}</ul>
<p>Call one of these numbers, type the room number and <kbd>#</kbd>, then your PIN and <kbd>#</kbd>.</p>`;
  return html`<p>Room number (permanent): <span class="big" id="room-number">${room.number}</span></p>
<h2>How to dial in</h2>${numbers}
<h2>Change PINs</h2>${pinsForm(csrf, '/app/pins', room, false)}
<h2>Room settings</h2>
<form method="post" action="/app/room/settings">
${csrfField(csrf)}
<label for="onModeratorLeave">When the last moderator leaves</label>
<select id="onModeratorLeave" name="onModeratorLeave">${POLICIES.map(([value, label]) => html`<option value="${value}"${value === room.onModeratorLeave ? html` selected` : ''}>${label}</option>`)}</select>
<label for="language">Language of the prompts</label>
<select id="language" name="language">${(LANGUAGES.some(([code]) => code === room.language) ? LANGUAGES : [...LANGUAGES, [room.language, room.language] as [string, string]]).map(([value, label]) => html`<option value="${value}"${value === room.language ? html` selected` : ''}>${label}</option>`)}</select>
<label for="maxParticipants">Most callers at once (2 to 1000)</label>
<input id="maxParticipants" name="maxParticipants" type="number" min="2" max="1000" value="${room.maxParticipants}" required>
<label><input type="checkbox" name="locked"${room.locked ? html` checked` : ''}> Locked (nobody new may enter)</label>
<div class="check"><label><input type="checkbox" name="callback" aria-describedby="callback-help"${room.callback ? html` checked` : ''}> Call me back when the moderator arrives</label>
<p class="help" id="callback-help">A participant waiting for the moderator may hang up and be called back when one arrives. Each callback is a call we place, charged to you at the callback rate and shown as "Callbacks" on your statement.</p></div>
${announcementFields(room.announcements)}
${spendCapFields(room, spend)}
<button type="submit">Save settings</button>
</form>`;
}

/** The room's announcement and recording settings (PATCH room's "announcements"), each with what it does for callers. */
export const ANNOUNCEMENT_SETTINGS: Array<{ name: keyof RoomAnnouncements; label: string; help: string }> = [
  { name: 'joinLeaveTones', label: 'Join and leave tones', help: 'The room hears a short tone when someone joins or leaves (or their name, when names are recorded).' },
  { name: 'announceCount', label: 'Count on entry', help: 'A caller entering hears how many others are in the room ("you are the only person", "there are 4 other participants").' },
  { name: 'aloneMusic', label: 'Music when alone', help: 'A caller alone in the live room hears music on hold until someone else arrives.' },
  { name: 'recordNames', label: 'Record callers\' names', help: 'Each caller says their name at entry; the room hears "<name> is now in the conference" and "<name> has left".' },
  { name: 'recordingConsent', label: 'Recording needs consent', help: 'While the conference is recorded, a joining caller must press 1 to accept, or is kept out. (Everyone always hears that the call is recorded.)' },
  { name: 'keepRecordings', label: 'Keep name recordings', help: 'Callers\' recorded names stay after the call; otherwise each is deleted when its caller has left.' },
];

/** An amount as the owner typed it: at least two decimals, no trailing zeros past them. */
const amountText = (micros: number) => formatMoney(micros, 6).replace(/(\.\d\d\d*?)0+$/, '$1');

const SPEND_LEVEL_SHOWN: Record<RoomSpendShown['level'], string> = { under: '', warning: ' (80 % or more: moderators hear a tone on joining)', reached: ' (the cap is reached: new participants are refused)' };

/** The room's monthly spend cap (PATCH room's "spendCap"): the amount (empty: none) and the grace for calls in progress (empty: they finish). */
function spendCapFields(room: RoomShown, spend: RoomSpendShown | undefined): Html {
  const cap = room.spendCap;
  const spent = spend === undefined ? '' : html`<p id="spend-this-month">Spent this month: ${formatMoney(roundToCents(spend.spentMicros), 2)}${cap === null ? '' : html` of ${amountText(cap.monthlyMicros)}`}${SPEND_LEVEL_SHOWN[spend.level]}</p>`;
  return html`<fieldset><legend>Spend cap</legend>
${spent}
<label for="spendCapMonthly">Monthly cap for calls on toll-free numbers and callbacks (empty: none)</label>
<input id="spendCapMonthly" name="spendCapMonthly" inputmode="decimal" pattern="[0-9]{1,9}([.][0-9]{1,6})?" value="${cap === null ? '' : amountText(cap.monthlyMicros)}" aria-describedby="spendCap-help">
<label for="spendCapGrace">At the cap, end calls in progress after this many seconds (empty: they finish)</label>
<input id="spendCapGrace" name="spendCapGrace" type="number" min="0" max="86400" value="${cap?.graceSeconds ?? ''}">
<p class="help" id="spendCap-help">From 80 % of the cap in a month (UTC), moderators hear a short tone when they join and you get one e-mail. At the cap, new participants hear "The conference cannot be extended" and are not let in; moderators still are.</p>
</fieldset>`;
}

function announcementFields(announcements: RoomAnnouncements): Html {
  return html`<fieldset><legend>What callers hear</legend>
${ANNOUNCEMENT_SETTINGS.map(({ name, label, help }) => html`<div class="check"><label><input type="checkbox" name="${name}" aria-describedby="${name}-help"${announcements[name] ? html` checked` : ''}> ${label}</label>
<p class="help" id="${name}-help">${help}</p></div>`)}
</fieldset>`;
}

/** `reaches`: whose rooms a subscribed number answers for ("your room", or an organization's "your members' rooms"). */
export function numbersView(csrf: string, live: Subscription[], available: PhoneNumber[], reaches = 'your room'): Html {
  const subscribed = live.length === 0
    ? html`<p>You subscribe to no number yet.</p>`
    : html`<div class="scroll"><table><caption class="skip">Subscribed numbers</caption><thead><tr><th scope="col">Number</th><th scope="col">Since</th><th scope="col"><span class="skip">Action</span></th></tr></thead><tbody>
${live.map((s) => html`<tr><td>${s.e164}</td><td>${when(s.startedAt)}</td><td><a href="/app/numbers/unsubscribe?e164=${encodeURIComponent(s.e164)}">Unsubscribe…</a></td></tr>`)}
</tbody></table></div>`;
  const subscribe = available.length === 0
    ? html`<p>No toll-free number is available right now.</p>`
    : html`<form method="post" action="/app/numbers/subscribe">${csrfField(csrf)}
<label for="e164">Available toll-free number</label>
<select id="e164" name="e164" required>${available.map((n) => html`<option value="${n.e164}">${n.e164}</option>`)}</select>
<button type="submit">Subscribe</button></form>`;
  return html`<h2>Subscribed</h2>${subscribed}<h2>Subscribe to a number</h2><p>A subscribed number answers for ${reaches} at once; its calls are billed per minute.</p>${subscribe}`;
}

export function unsubscribeView(csrf: string, usage: NumberUsage, done: { endedAt: number; mailed: boolean } | null): Html {
  const figures = html`<table id="usage-figures"><caption>${usage.e164} in ${usage.period} so far</caption><tbody>
<tr><th scope="row">Legs</th><td class="num">${usage.legs}${usage.openLegs > 0 ? ` (${usage.openLegs} in progress)` : ''}</td></tr>
<tr><th scope="row">Billable minutes</th><td class="num">${usage.billableMinutes}</td></tr>
<tr><th scope="row">Charges</th><td class="num" id="charges">${usage.amount}</td></tr>
${usage.callbacks === undefined ? '' : html`<tr><th scope="row">Of which callbacks (calls we placed back to waiting participants)</th><td class="num" id="callback-charges">${usage.callbacks.legs} ${usage.callbacks.legs === 1 ? 'leg' : 'legs'}, ${usage.callbacks.amount}</td></tr>`}
</tbody></table>`;
  if (done !== null) {
    return html`<p role="status">The subscription ended at ${when(done.endedAt)}. Calls in progress go on and are billed to their end; new calls are refused.</p>${figures}
<p>${done.mailed ? 'A confirmation with these figures was e-mailed to you.' : 'No confirmation e-mail could be sent (mail is not configured on this server).'}</p>
<p><a href="/app/numbers">Back to your numbers</a></p>`;
  }
  return html`${figures}
<p>Unsubscribing refuses new calls on ${usage.e164} at once, lets calls in progress finish, and e-mails you these figures. The number then rests in quarantine and may go to someone else.</p>
<form method="post" action="/app/numbers/unsubscribe">${csrfField(csrf)}<input type="hidden" name="e164" value="${usage.e164}">
<button type="submit" class="danger">Unsubscribe from ${usage.e164}</button></form>
<p><a href="/app/numbers">Keep it</a></p>`;
}

/** Every day from `from` to `to` (YYYY-MM-DD, UTC), at most 366. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`) && days.length < 366; t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

export function minutesPerDay(legs: LedgerEntry[]): DayMinutes[] {
  const totals = new Map<string, DayMinutes>();
  for (const leg of legs) {
    const day = new Date(leg.answeredAt).toISOString().slice(0, 10);
    const key = `${day} ${leg.dialled}`;
    const point = totals.get(key) ?? { day, e164: leg.dialled, minutes: 0 };
    point.minutes += (leg.billableSeconds ?? 0) / 60;
    totals.set(key, point);
  }
  return [...totals.values()];
}

export function usageView(filter: UsageFilter, legs: LedgerEntry[], numbers: string[], statement: Statement, periods: string[]): Html {
  // A callback's number is the one we called back, not a caller's.
  const rows = legs.map((l) => html`<tr${l.legKind === 'callback' ? html` class="callback"` : ''}><td>${when(l.answeredAt)}</td><td>${l.dialled}</td><td>${l.role}${l.legKind === 'callback' ? ' (callback)' : ''}</td><td>${l.callerNumber ?? ''}</td><td class="num">${l.endedAt === null ? 'in progress' : l.seconds}</td><td class="num">${l.billableSeconds ?? ''}</td><td class="num">${money(l.amountMicros)}</td></tr>`);
  const cb = statement.callbacks;
  const statementRows = [
    ...statement.lines.map((line) => html`<tr><td>${line.e164}</td><td>${line.kind}</td><td class="num">${line.legs}</td><td class="num">${line.billableMinutes}</td><td class="num">${line.amount}</td></tr>`),
    ...(cb === undefined ? [] : [html`<tr id="statement-callbacks"><td>${CALLBACKS_LINE}</td><td>callback</td><td class="num">${cb.legs}</td><td class="num">${cb.billableMinutes}</td><td class="num">${cb.amount}</td></tr>`]),
  ];
  return html`<form method="get" action="/app/usage" aria-label="Filter the legs">
<label for="from">From (UTC day)</label><input id="from" name="from" type="date" value="${filter.from}">
<label for="to">To (UTC day, included)</label><input id="to" name="to" type="date" value="${filter.to}">
<label for="number">Number</label><select id="number" name="number"><option value="">all numbers</option>${numbers.map((n) => html`<option value="${n}"${n === filter.number ? html` selected` : ''}>${n}</option>`)}</select>
<label for="role">Role</label><select id="role" name="role"><option value="">all roles</option>${['moderator', 'participant', 'unauthenticated'].map((r) => html`<option value="${r}"${r === filter.role ? html` selected` : ''}>${r}</option>`)}</select>
<input type="hidden" name="period" value="${filter.period}">
<button type="submit">Show</button></form>
<h2>Minutes per day</h2>
${legs.length === 0 ? html`<p>No legs in this period.</p>` : minutesChart(minutesPerDay(legs), daysBetween(filter.from, filter.to))}
<h2>Legs (<span id="leg-count">${legs.length}</span>)</h2>
<div class="scroll"><table id="legs"><thead><tr><th scope="col">Answered</th><th scope="col">Number</th><th scope="col">Role</th><th scope="col">Caller</th><th scope="col" class="num">Seconds</th><th scope="col" class="num">Billable s</th><th scope="col" class="num">Amount</th></tr></thead>
<tbody>${rows}</tbody></table></div>
<h2>Statement</h2>
<form method="get" action="/app/usage" aria-label="Choose a month">
<input type="hidden" name="from" value="${filter.from}"><input type="hidden" name="to" value="${filter.to}">
<label for="period">Month</label><select id="period" name="period">${periods.map((p) => html`<option value="${p}"${p === filter.period ? html` selected` : ''}>${p}</option>`)}</select>
<button type="submit">Show statement</button></form>
<div class="scroll"><table id="statement"><caption>${statement.period} (${statement.status})</caption><thead><tr><th scope="col">Number</th><th scope="col">Kind</th><th scope="col" class="num">Legs</th><th scope="col" class="num">Billable minutes</th><th scope="col" class="num">Amount</th></tr></thead>
<tbody>${statementRows}<tr><th scope="row" colspan="4">Total</th><td class="num" id="statement-total">${statement.total}</td></tr></tbody></table></div>
<p>Download ${statement.period}: <a href="/app/statements/${statement.period}/csv" download>as CSV</a> · <a href="/app/statements/${statement.period}/pdf" download>as PDF</a></p>`;
}

export function accountView(csrf: string, account: Account): Html {
  return html`<p>${account.name} &lt;<span id="account-email">${account.email}</span>&gt;, since ${when(account.createdAt)}</p>
<h2>Change password</h2>
<form method="post" action="/app/account/password">${csrfField(csrf)}
<label for="currentPassword">Current password</label><input id="currentPassword" name="currentPassword" type="password" autocomplete="current-password" required>
<label for="newPassword">New password</label><input id="newPassword" name="newPassword" type="password" autocomplete="new-password" required minlength="8">
<label for="confirmPassword">New password again</label><input id="confirmPassword" name="confirmPassword" type="password" autocomplete="new-password" required minlength="8">
<button type="submit">Change password</button></form>
<h2>Change e-mail address</h2>
<p>We send a link to the new address; the change takes effect when it is opened.</p>
<form method="post" action="/app/account/email">${csrfField(csrf)}
<label for="newEmail">New e-mail address</label><input id="newEmail" name="newEmail" type="email" autocomplete="email" required maxlength="320">
<label for="emailPassword">Your password (to confirm it is you)</label><input id="emailPassword" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Send the confirmation link</button></form>`;
}
