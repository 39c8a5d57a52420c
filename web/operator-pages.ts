// The operator's pages behind the operator token (TOLLBRIDGE_OPERATOR_TOKEN): the number
// inventory (add; state: available, subscribed, quarantined until...), rates, accounts (create,
// deactivate), organizations (web/operator-organization-pages.ts). Signing in hands the token to
// the API's POST /v1/operator/sessions; the browser then holds only the operator session token
// it answers (HttpOnly, SameSite=Strict, Path=/operator), good for 8 hours. Sessions are in the
// database: another API process, or a restart, keeps the operator signed in.
import { HttpError, type BodyKind, type Handler, type Reply, type Request, type Router } from '../api/http.js';
import type { Account, PhoneNumber, Rate } from '../db/index.js';
import { RATE_KINDS } from '../domain/billing.js';
import { csrfTokenFor, FORM_COOKIE, newFormNonce, readCookies, sameToken } from './cookies.js';
import { html, type Html } from './html.js';
import { asPage, page, type NavItem } from './layout.js';
import { registerOperatorOrganizationPages, type OperatorVisit } from './operator-organization-pages.js';
import { when } from './view-parts.js';

export const OPERATOR_COOKIE = 'tb_operator';
const OPERATOR_NAV: NavItem[] = [
  { href: '/operator/numbers', label: 'Numbers' },
  { href: '/operator/rates', label: 'Rates' },
  { href: '/operator/accounts', label: 'Accounts' },
  { href: '/operator/organizations', label: 'Organizations' },
];
const HTML = 'text/html; charset=utf-8';
const HEADERS = { 'content-security-policy': "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'", 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer' };
const KINDS = ['toll_free', 'local'] as const;

const operatorCookie = (value: string, secure: boolean, maxAge?: number) =>
  [`${OPERATOR_COOKIE}=${value}`, 'Path=/operator', 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : []), ...(maxAge === undefined ? [] : [`Max-Age=${maxAge}`])].join('; ');
const formOf = (req: Request): Record<string, string> => (typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, string>) : {});
const reply = (body: Html, status = 200, headers: Record<string, string> = {}): Reply => ({ status, text: body.value, contentType: HTML, headers: { ...HEADERS, ...headers } });
const redirect = (location: string, headers: Record<string, string> = {}): Reply => ({ status: 303, text: '', contentType: 'text/plain', headers: { location, ...headers } });

export function registerOperatorPages(router: Router): void {
  const add = (method: string, pattern: string, handler: Handler, body: BodyKind = 'json') => router.add(method, pattern, asPage(handler), body, 'page');
  const secure = (req: Request) => req.headers['x-forwarded-proto'] === 'https';

  const call = async <T>(req: Request, token: string, method: string, url: string, body?: unknown): Promise<T> => {
    const answer = await router.invoke({ method, url, headers: { host: req.headers.host ?? 'localhost', authorization: `Bearer ${token}` }, ...(body === undefined ? {} : { body }), address: req.address });
    const json = 'json' in answer ? answer.json : null;
    if (answer.status >= 400) {
      const error = (json as { error?: { code: string; message: string } } | null)?.error;
      throw new HttpError(answer.status, error?.code ?? 'Error', error?.message ?? 'refused');
    }
    return json as T;
  };
  /** The operator's visit when the cookie holds a live operator session (the API says), else null. */
  const visitOf = async (req: Request): Promise<OperatorVisit | null> => {
    const token = readCookies(req.headers).get(OPERATOR_COOKIE);
    if (token === undefined || token === '') return null;
    try {
      await call(req, token, 'GET', '/v1/operator/sessions/current');
    } catch (err) {
      if (err instanceof HttpError && err.status === 403) return null;
      throw err;
    }
    req.actor = 'operator';
    return { token, csrf: csrfTokenFor(token) };
  };
  /** A page of the operator's; a refused API call re-renders it with the API's message. */
  const operatorPage = (render: (req: Request, v: OperatorVisit, error?: string) => Promise<Reply>, change?: (req: Request, v: OperatorVisit) => Promise<string>) => async (req: Request): Promise<Reply> => {
    const v = await visitOf(req);
    if (v === null) return redirect('/operator/signin');
    if (change === undefined) return render(req, v);
    if (!sameToken(formOf(req)._csrf, v.csrf)) throw new HttpError(403, 'BadCsrfToken', 'the form is stale or came from another site: reload the page and try again');
    try {
      return redirect(await change(req, v));
    } catch (err) {
      if (err instanceof HttpError && err.status < 500) return render(req, v, err.message);
      throw err;
    }
  };
  const frame = (req: Request, v: OperatorVisit, title: string, error?: string) => ({ title, csrf: v.csrf, path: req.path, nav: OPERATOR_NAV, signout: '/operator/signout', ...(error === undefined ? {} : { error }) });
  const csrfField = (v: OperatorVisit) => html`<input type="hidden" name="_csrf" value="${v.csrf}">`;

  const signinPage = (req: Request, error?: string, status = 200) => {
    const nonce = readCookies(req.headers).get(FORM_COOKIE) ?? newFormNonce();
    const body = html`<form method="post" action="/operator/signin"><input type="hidden" name="_form" value="${nonce}">
<label for="token">Operator token (TOLLBRIDGE_OPERATOR_TOKEN)</label><input id="token" name="token" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form>`;
    return reply(page({ title: 'Operator sign-in', ...(error === undefined ? {} : { error }) }, body), status, { 'set-cookie': `${FORM_COOKIE}=${nonce}; Path=/; HttpOnly; SameSite=Strict${secure(req) ? '; Secure' : ''}` });
  };
  add('GET', '/operator', async () => redirect('/operator/numbers'));
  add('GET', '/operator/signin', async (req) => signinPage(req));
  add('POST', '/operator/signin', async (req) => {
    const form = formOf(req);
    const nonce = readCookies(req.headers).get(FORM_COOKIE);
    if (nonce === undefined || !sameToken(form._form, nonce)) return signinPage(req, 'The form expired: please sign in again.', 403);
    const token = (form.token ?? '').slice(0, 200);
    let session: { token: string; expiresAt: number };
    try {
      session = await call<{ token: string; expiresAt: number }>(req, token, 'POST', '/v1/operator/sessions');
    } catch (err) {
      if (err instanceof HttpError && err.status === 403) return signinPage(req, err.message, 403);
      throw err;
    }
    req.actor = 'operator';
    return redirect('/operator/numbers', { 'set-cookie': operatorCookie(session.token, secure(req)) });
  }, 'form');
  add('POST', '/operator/signout', async (req) => {
    const v = await visitOf(req);
    if (v !== null && sameToken(formOf(req)._csrf, v.csrf)) await call(req, v.token, 'DELETE', '/v1/operator/sessions/current');
    return redirect('/operator/signin', { 'set-cookie': operatorCookie('', secure(req), 0) });
  }, 'form');

  // --- numbers -------------------------------------------------------------------------
  const numbersPage = async (req: Request, v: OperatorVisit, error?: string) => {
    const numbers = await call<PhoneNumber[]>(req, v.token, 'GET', '/v1/operator/numbers?limit=500');
    const rows = numbers.map((n) => html`<tr><td>${n.e164}</td><td>${n.kind}</td><td>${n.state}${n.state === 'quarantined' ? ` until ${when(n.availableAt)}` : ''}</td><td>${n.accountId ?? ''}</td></tr>`);
    return reply(page(frame(req, v, 'Number inventory', error), html`<div class="scroll"><table id="numbers"><thead><tr><th scope="col">Number</th><th scope="col">Kind</th><th scope="col">State</th><th scope="col">Account</th></tr></thead><tbody>${rows}</tbody></table></div>
<h2>Add a number</h2><form method="post" action="/operator/numbers">${csrfField(v)}
<label for="e164">Number (E.164, e.g. +18005550199)</label><input id="e164" name="e164" required maxlength="32">
<label for="kind">Kind</label><select id="kind" name="kind">${KINDS.map((k) => html`<option value="${k}">${k}</option>`)}</select>
<button type="submit">Add</button></form>`), error === undefined ? 200 : 400);
  };
  add('GET', '/operator/numbers', operatorPage(numbersPage));
  add('POST', '/operator/numbers', operatorPage(numbersPage, async (req, v) => {
    const form = formOf(req);
    await call(req, v.token, 'POST', '/v1/operator/numbers', { e164: form.e164 ?? '', kind: form.kind ?? '' });
    return '/operator/numbers';
  }), 'form');

  // --- rates ---------------------------------------------------------------------------
  const ratesPage = async (req: Request, v: OperatorVisit, error?: string) => {
    const rates = await Promise.all(RATE_KINDS.map((k) => call<Rate>(req, v.token, 'GET', `/v1/operator/rates/${k}`)));
    const rows = rates.map((r) => html`<tr><td>${r.kind}</td><td class="num" id="rate-${r.kind}">${(r.perMinuteMicros / 1_000_000).toFixed(6)}</td><td class="num">${r.incrementSeconds}</td><td class="num">${r.minimumSeconds}</td><td>${when(r.effectiveFrom)}</td></tr>`);
    return reply(page(frame(req, v, 'Rates', error), html`<div class="scroll"><table><thead><tr><th scope="col">Kind</th><th scope="col" class="num">Per minute</th><th scope="col" class="num">Increment s</th><th scope="col" class="num">Minimum s</th><th scope="col">Since</th></tr></thead><tbody>${rows}</tbody></table></div>
<h2>Set a rate</h2><p>A new rate applies to legs answered after it is set. <em>callback</em> is the rate of the calls the bridge places back to a waiting participant, charged to the room's owner.</p><form method="post" action="/operator/rates">${csrfField(v)}
<label for="kind">Kind</label><select id="kind" name="kind">${RATE_KINDS.map((k) => html`<option value="${k}">${k}</option>`)}</select>
<label for="perMinute">Price per minute (e.g. 0.0125)</label><input id="perMinute" name="perMinute" required inputmode="decimal" maxlength="32">
<label for="incrementSeconds">Billing increment in seconds</label><input id="incrementSeconds" name="incrementSeconds" type="number" min="1" value="60" required>
<label for="minimumSeconds">Minimum billed seconds</label><input id="minimumSeconds" name="minimumSeconds" type="number" min="0" value="0" required>
<button type="submit">Set rate</button></form>`), error === undefined ? 200 : 400);
  };
  add('GET', '/operator/rates', operatorPage(ratesPage));
  add('POST', '/operator/rates', operatorPage(ratesPage, async (req, v) => {
    const form = formOf(req);
    const kind = RATE_KINDS.find((k) => k === form.kind);
    if (kind === undefined) throw new HttpError(400, 'BadField', 'choose toll_free, local or callback');
    await call(req, v.token, 'PUT', `/v1/operator/rates/${kind}`, { perMinute: form.perMinute ?? '', incrementSeconds: Number(form.incrementSeconds ?? ''), minimumSeconds: Number(form.minimumSeconds ?? '') });
    return '/operator/rates';
  }), 'form');

  // --- accounts ------------------------------------------------------------------------
  const accountsPage = async (req: Request, v: OperatorVisit, error?: string) => {
    const accounts = await call<Account[]>(req, v.token, 'GET', '/v1/operator/accounts?limit=500');
    const rows = accounts.map((a) => html`<tr><td>${a.id}</td><td>${a.name}</td><td>${a.email}</td><td>${a.deactivatedAt === null ? 'active' : `deactivated ${when(a.deactivatedAt)}`}</td><td>${a.deactivatedAt === null ? html`<form class="inline" method="post" action="/operator/accounts/${a.id}/deactivate">${csrfField(v)}<button type="submit" class="danger" aria-label="Deactivate account ${a.id} for good">Deactivate</button></form>` : ''}</td></tr>`);
    return reply(page(frame(req, v, 'Accounts', error), html`<div class="scroll"><table id="accounts"><thead><tr><th scope="col">Id</th><th scope="col">Name</th><th scope="col">E-mail</th><th scope="col">State</th><th scope="col"><span class="skip">Action</span></th></tr></thead><tbody>${rows}</tbody></table></div>
<p>Deactivation is for good: the account's numbers go to quarantine; its room number is never issued again.</p>
<h2>Create an account</h2><form method="post" action="/operator/accounts">${csrfField(v)}
<label for="name">Name</label><input id="name" name="name" required maxlength="200">
<label for="email">E-mail</label><input id="email" name="email" type="email" required maxlength="320">
<label for="password">First password (the owner signs in with it, then changes it)</label><input id="password" name="password" type="password" autocomplete="new-password" required minlength="8">
<button type="submit">Create</button></form>`), error === undefined ? 200 : 400);
  };
  add('GET', '/operator/accounts', operatorPage(accountsPage));
  add('POST', '/operator/accounts', operatorPage(accountsPage, async (req, v) => {
    const form = formOf(req);
    await call(req, v.token, 'POST', '/v1/operator/accounts', { name: form.name ?? '', email: form.email ?? '', password: form.password ?? '' });
    return '/operator/accounts';
  }), 'form');
  add('POST', '/operator/accounts/:id/deactivate', operatorPage(accountsPage, async (req, v) => {
    const id = req.params.id ?? '';
    if (!/^[1-9]\d{0,14}$/.test(id)) throw new HttpError(404, 'NotFound', 'no such account');
    await call(req, v.token, 'POST', `/v1/operator/accounts/${id}/deactivate`);
    return '/operator/accounts';
  }), 'form');

  registerOperatorOrganizationPages({ add, call, operatorPage, frame, csrfField, reply, formOf, when });
}
