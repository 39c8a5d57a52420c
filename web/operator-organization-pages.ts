// The operator's Organizations pages: every organization (its administrator's e-mail, member
// count, state), creating one (the administrator's account: it pays, has no room, joins no
// calls), and one organization's members with their rooms and its join code, with what the
// administrator does next. Data only through the API's operator routes (Router.invoke).
import { HttpError, type BodyKind, type Handler, type Reply, type Request } from '../api/http.js';
import type { Organization, OrganizationSummary } from '../db/index.js';
import { html, type Html } from './html.js';
import { page, type PageFrame } from './layout.js';

/** A signed-in operator's visit: the operator token (never sent to the browser) and the forms' CSRF value. */
export interface OperatorVisit {
  token: string;
  csrf: string;
}

/** What web/operator-pages.ts lends the operator's page modules. */
export interface OperatorKit {
  add: (method: string, pattern: string, handler: Handler, body?: BodyKind) => void;
  /** One of the API's routes, in-process, with the operator token; a refusal throws HttpError. */
  call: <T>(req: Request, token: string, method: string, url: string, body?: unknown) => Promise<T>;
  /** A page behind the operator sign-in; `change` runs a CSRF-checked form and answers with a redirect to where it returns. */
  operatorPage: (render: (req: Request, v: OperatorVisit, error?: string) => Promise<Reply>, change?: (req: Request, v: OperatorVisit) => Promise<string>) => Handler;
  frame: (req: Request, v: OperatorVisit, title: string, error?: string) => PageFrame;
  csrfField: (v: OperatorVisit) => Html;
  reply: (body: Html, status?: number) => Reply;
  formOf: (req: Request) => Record<string, string>;
  /** A time as "YYYY-MM-DD HH:MM UTC". */
  when: (ms: number | null) => string;
}

const ORGANIZATIONS = '/operator/organizations';

function organizationId(req: Request): number {
  const raw = req.params.id ?? '';
  if (!/^[1-9]\d{0,14}$/.test(raw)) throw new HttpError(404, 'NotFound', 'no such organization');
  return Number(raw);
}

export function registerOperatorOrganizationPages(kit: OperatorKit): void {
  const { add, call, operatorPage, frame, csrfField, reply, formOf, when } = kit;

  const listPage = async (req: Request, v: OperatorVisit, error?: string) => {
    const organizations = await call<OrganizationSummary[]>(req, v.token, 'GET', '/v1/operator/organizations?limit=500');
    const rows = organizations.map(({ account: a, memberCount }) => html`<tr><td data-label="Id">${a.id}</td>
<td data-label="Name">${a.deactivatedAt === null ? html`<a href="${ORGANIZATIONS}/${a.id}">${a.name}</a>` : a.name}</td>
<td data-label="Administrator">${a.email}</td><td data-label="Members">${memberCount}</td>
<td data-label="Created">${when(a.createdAt)}</td><td data-label="State">${a.deactivatedAt === null ? 'active' : `deactivated ${when(a.deactivatedAt)}`}</td></tr>`);
    const table = organizations.length === 0
      ? html`<p>No organization yet.</p>`
      : html`<div class="scroll"><table id="organizations" class="cards"><thead><tr><th scope="col">Id</th><th scope="col">Name</th><th scope="col">Administrator e-mail</th><th scope="col">Members</th><th scope="col">Created</th><th scope="col">State</th></tr></thead><tbody>${rows}</tbody></table></div>`;
    return reply(page(frame(req, v, 'Organizations', error), html`${table}
<p>An organization's administrator pays: the organization holds the toll-free numbers and gets one statement with a line per member. The administrator has no room and joins no calls; members keep their own rooms and PINs. Deactivate an organization on the Accounts page.</p>
<h2>Create an organization</h2><form method="post" action="${ORGANIZATIONS}">${csrfField(v)}
<label for="name">Organization name</label><input id="name" name="name" required maxlength="200">
<label for="email">Administrator's e-mail (they sign in with it)</label><input id="email" name="email" type="email" required maxlength="320">
<label for="password">Administrator's first password (they sign in with it, then change it)</label><input id="password" name="password" type="password" autocomplete="new-password" required minlength="8">
<button type="submit">Create organization</button></form>`), error === undefined ? 200 : 400);
  };
  add('GET', ORGANIZATIONS, operatorPage(listPage));
  add('POST', ORGANIZATIONS, operatorPage(listPage, async (req, v) => {
    const form = formOf(req);
    const created = await call<Organization>(req, v.token, 'POST', '/v1/operator/organizations', { name: form.name ?? '', email: form.email ?? '', password: form.password ?? '' });
    return `${ORGANIZATIONS}/${created.account.id}?created=1`;
  }), 'form');

  add('GET', `${ORGANIZATIONS}/:id`, operatorPage(async (req, v) => {
    const org = await call<Organization>(req, v.token, 'GET', `/v1/operator/organizations/${organizationId(req)}`);
    const { account: a } = org;
    const members = org.members.length === 0
      ? html`<p>No members yet.</p>`
      : html`<div class="scroll"><table id="members" class="cards"><thead><tr><th scope="col">Id</th><th scope="col">Name</th><th scope="col">E-mail</th><th scope="col">Room</th><th scope="col">Joined</th></tr></thead><tbody>
${org.members.map((m) => html`<tr><td data-label="Id">${m.accountId}</td><td data-label="Name">${m.name}</td><td data-label="E-mail">${m.email}</td><td data-label="Room">${m.roomNumber ?? 'none'}</td><td data-label="Joined">${when(m.joinedAt)}</td></tr>`)}</tbody></table></div>`;
    const created = req.query.get('created') === '1';
    return reply(page({ ...frame(req, v, a.name), ...(created ? { notice: `Organization ${a.name} created.` } : {}) }, html`<dl>
<dt>Organization id</dt><dd id="organization-id">${a.id}</dd>
<dt>Administrator e-mail</dt><dd id="admin-email">${a.email}</dd>
<dt>Created</dt><dd>${when(a.createdAt)}</dd>
<dt>Join code</dt><dd><span class="big" id="join-code">${org.joinCode}</span></dd></dl>
<h2>What next</h2><ol id="next-steps">
<li>Give the administrator the address of these pages, their e-mail (${a.email}) and the first password: they sign in at <a href="/signin">/signin</a> and change the password under Account.</li>
<li>The administrator subscribes the organization to toll-free numbers (its numbers reach every member's room) and receives one statement with a line per member.</li>
<li>Members join with the join code above, or by an invitation the administrator e-mails from the Organization page; a new join code made there replaces this one.</li></ol>
<h2>Members (${org.members.length})</h2>${members}
<p><a href="${ORGANIZATIONS}">All organizations</a></p>`));
  }));
}
