// The bodies of the organization pages: pure functions from data to escaped HTML. The
// administrator's page (members and their usage, invitations, the join code, the numbers, the
// statement by member); a member's (which organization, leave); and joining one.
import { html, type Html } from './html.js';
import { csrfField, when } from './view-parts.js';
import type { Member, MemberUsage, Organization, Statement, Subscription } from '../db/index.js';

export interface MemberWithUsage {
  member: Member;
  usage: MemberUsage;
}

/** A statement's member line named for the administrator: a current member, or a former one. */
function memberName(accountId: number | null, members: Map<number, Member>): string {
  if (accountId === null) return 'calls that entered no room';
  const m = members.get(accountId);
  return m === undefined ? `former member (account ${accountId})` : m.name;
}

const minutes = (seconds: number) => String(Math.round((seconds / 60) * 100) / 100);

/** The statement's callbacks, which the members' lines already hold (a member's room's calls), shown apart. */
function callbacksRow(statement: Statement): Html | '' {
  const cb = statement.callbacks;
  if (cb === undefined) return '';
  return html`<tr id="member-statement-callbacks"><th scope="row" colspan="2">Of which callbacks (calls we placed back to waiting participants)</th><td class="num">${cb.legs}</td><td class="num">${minutes(cb.billableSeconds)}</td><td class="num">${cb.amount}</td></tr>`;
}

export function adminView(csrf: string, org: Organization, members: MemberWithUsage[], live: Subscription[], statement: Statement, periods: string[]): Html {
  const memberRows = members.map(({ member: m, usage: u }) => html`<tr><td>${m.name}</td><td>${m.email}</td><td>${when(m.joinedAt)}</td><td class="num">${u.legs}</td><td class="num">${minutes(u.billableSeconds)}</td><td class="num">${u.amount}</td><td><a href="/app/organization/members/${m.accountId}/remove" aria-label="Remove ${m.name}…">Remove…</a></td></tr>`);
  const byId = new Map(members.map(({ member }) => [member.accountId, member]));
  const statementRows = (statement.members ?? []).map((line) => html`<tr><td>${memberName(line.accountId, byId)}</td><td>${line.roomNumber ?? ''}</td><td class="num">${line.legs}</td><td class="num">${minutes(line.billableSeconds)}</td><td class="num">${line.amount}</td></tr>`);
  const numbers = live.length === 0
    ? html`<p>The organization subscribes to no number yet.</p>`
    : html`<ul id="organization-numbers">${live.map((s) => html`<li>${s.e164} (since ${when(s.startedAt)})</li>`)}</ul>`;
  return html`<p>The organization pays for its members' calls on its toll-free numbers. As its administrator you have no room and join no calls; members keep their own rooms and PINs.</p>
<h2>Members (${members.length})</h2>
${members.length === 0 ? html`<p>No members yet: invite them, or give them the join code.</p>` : html`<div class="scroll"><table id="members"><caption>Members and their usage in ${members[0]?.usage.period ?? ''} so far</caption><thead><tr><th scope="col">Name</th><th scope="col">E-mail</th><th scope="col">Member since</th><th scope="col" class="num">Legs</th><th scope="col" class="num">Billable minutes</th><th scope="col" class="num">Amount</th><th scope="col"><span class="skip">Action</span></th></tr></thead>
<tbody>${memberRows}</tbody></table></div>`}
<h2>Invite a member</h2>
<form method="post" action="/app/organization/invite">${csrfField(csrf)}
<label for="inviteEmail">E-mail address to invite</label><input id="inviteEmail" name="email" type="email" autocomplete="off" required maxlength="320">
<button type="submit">Send the invitation</button></form>
<h2>Join code</h2>
<p>Someone with a tollbridge account joins on their Organization page with this code: <span class="big" id="join-code">${org.joinCode}</span></p>
<form method="post" action="/app/organization/join-code">${csrfField(csrf)}
<p>A new code stops the old one from working (for example when it was passed on too widely). Members stay members.</p>
<button type="submit">Make a new join code</button></form>
<h2>Toll-free numbers</h2>
${numbers}
<p><a href="/app/numbers">Subscribe or unsubscribe numbers</a></p>
<h2>Statement by member</h2>
<form method="get" action="/app/organization" aria-label="Choose a month">
<label for="period">Month</label><select id="period" name="period">${periods.map((p) => html`<option value="${p}"${p === statement.period ? html` selected` : ''}>${p}</option>`)}</select>
<button type="submit">Show statement</button></form>
<div class="scroll"><table id="member-statement"><caption>${statement.period} (${statement.status}), one line per member</caption><thead><tr><th scope="col">Member</th><th scope="col">Room</th><th scope="col" class="num">Legs</th><th scope="col" class="num">Billable minutes</th><th scope="col" class="num">Amount</th></tr></thead>
<tbody>${statementRows}${callbacksRow(statement)}<tr><th scope="row" colspan="4">Total</th><td class="num" id="member-statement-total">${statement.total}</td></tr></tbody></table></div>
<p>Download ${statement.period} (lines per number and per member): <a href="/app/statements/${statement.period}/csv" download>as CSV</a> · <a href="/app/statements/${statement.period}/pdf" download>as PDF</a></p>`;
}

export function removeMemberView(csrf: string, member: Member, usage: MemberUsage): Html {
  return html`<table id="member-usage"><caption>${member.name} in ${usage.period} so far</caption><tbody>
<tr><th scope="row">Legs</th><td class="num">${usage.legs}</td></tr>
<tr><th scope="row">Billable minutes</th><td class="num">${minutes(usage.billableSeconds)}</td></tr>
<tr><th scope="row">Amount</th><td class="num">${usage.amount}</td></tr>
</tbody></table>
<p>${member.name} keeps their room and PINs; their calls until now stay on the organization's statement, and the organization's numbers stop reaching their room. The join code is replaced: the one they know stops working.</p>
<form method="post" action="/app/organization/members/${member.accountId}/remove">${csrfField(csrf)}
<button type="submit" class="danger">Remove ${member.name}</button></form>
<p><a href="/app/organization">Keep them</a></p>`;
}

export function memberView(organization: { name: string; numbers: string[] }): Html {
  return html`<p>Your room belongs to <strong>${organization.name}</strong>: calls on its toll-free numbers into your room are billed to it. Your room, its number and your PINs stay yours.</p>
${organization.numbers.length === 0 ? html`<p>${organization.name} subscribes to no toll-free number yet.</p>` : html`<p>Its numbers, which reach your room:</p><ul id="organization-numbers">${organization.numbers.map((e164) => html`<li><a href="tel:${e164}">${e164}</a></li>`)}</ul>`}
<p><a href="/app/organization/leave">Leave ${organization.name}…</a></p>`;
}

export function leaveView(csrf: string, organization: { name: string }): Html {
  return html`<p>When you leave, ${organization.name}'s numbers stop reaching your room at once. Your room, its number and your PINs stay yours; your calls until now stay on ${organization.name}'s statement. To join again you need its join code.</p>
<form method="post" action="/app/organization/leave">${csrfField(csrf)}
<button type="submit" class="danger">Leave ${organization.name}</button></form>
<p><a href="/app/organization">Stay</a></p>`;
}

export function joinView(csrf: string): Html {
  return html`<p>You are in no organization. If an organization pays for your calls, join it with the join code its administrator gave you, or the invitation (it starts with <code>tb_i_</code>) from its e-mail. You keep your room and PINs.</p>
<form method="post" action="/app/organization/join">${csrfField(csrf)}
<label for="joinCode">Join code or invitation</label><input id="joinCode" name="code" autocomplete="off" autocapitalize="characters" spellcheck="false" required maxlength="100">
<button type="submit">Join</button></form>`;
}
