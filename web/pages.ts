// The account owner's web pages, served by the API's own router. A page never touches the
// database: it calls the JSON API's routes in-process (Router.invoke) with the session token
// from its cookie, so authorization, validation, sign-in limits and the audit log are the API's.
// Every POST carries a CSRF token: a keyed hash of the session token once signed in, a
// double-submitted random value on the anonymous forms. Cookies are HttpOnly, SameSite=Strict.
import { HttpError, type BodyKind, type Handler, type Reply, type Request, type Router } from '../api/http.js';
import { cookie, csrfTokenFor, FORM_COOKIE, newFormNonce, readCookies, sameToken, SESSION_COOKIE } from './cookies.js';
import { html, type Html } from './html.js';
import { ADMIN_NAV, asPage, OWNER_NAV, page, PAGE_CSP, STYLESHEET, type PageFrame } from './layout.js';
import { LIVE_NOTICES, registerLivePages } from './live-pages.js';
import { RECORDINGS_SHOWN, recordingsSection, type RecordingListed } from './live-views.js';
import { registerMyDataPages } from './my-data-pages.js';
import { registerOrganizationPages } from './organization-pages.js';
import type { ApiAnswer, PageKit, Session, Visitor } from './page-kit.js';
import { recentPeriods } from './periods.js';
import { pinLockSection } from './pin-lock-views.js';
import type { RoomPinLocks } from '../api/pin-lock-routes.js';
import { accountView, ANNOUNCEMENT_SETTINGS, confirmEmailView, forgotView, numbersView, pinsForm, resetView, roomView, signinView, unsubscribeView, usageView, type RoomSpendShown } from './views.js';
import type { NumberUsage, UsageFilter } from './view-parts.js';
import type { RoomShown } from '../api/schemas.js';
import type { Account, LedgerEntry, PhoneNumber, Subscription } from '../db/index.js';
import type { Statement } from '../db/repositories/statements.js';

export interface WebDeps {
  now?: () => number;
}

/** Fixed notices a redirect may ask for (?done=...): nothing from the query is shown as is. */
const NOTICES: Record<string, string> = {
  pins: 'PINs saved. They apply to the next caller; a changed PIN is no longer locked.',
  pinlock: 'PIN lock lifted: callers with the right PIN get in again. One more wrong PIN locks entry again until the lock would have ended.',
  settings: 'Room settings saved.',
  subscribed: 'Subscribed: the number answers now.',
  password: 'Password changed. Your other sessions were signed out.',
  emailsent: 'We sent a confirmation link to the new address. The change takes effect when you open it.',
  reset: 'Your password was changed. Sign in with the new one.',
  signedout: 'You are signed out.',
  invited: 'The invitation, with the join code, was e-mailed.',
  invitestored: 'The invitation is stored, but no e-mail could be sent (mail is not configured on this server): give them the join code.',
  newcode: 'A new join code is in force; the old one no longer works.',
  removed: 'The member was removed, and the join code replaced (they knew the old one). Their room stays theirs; their calls until now stay on your statement.',
  joined: 'You joined the organization: its toll-free numbers now reach your room, and those calls are billed to it.',
  left: 'You left the organization. Your room and PINs stay yours.',
  ...LIVE_NOTICES,
};

const HTML = 'text/html; charset=utf-8';
const SECURITY_HEADERS = {
  'content-security-policy': PAGE_CSP,
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

const isHttps = (req: Request) => req.headers['x-forwarded-proto'] === 'https';
const htmlReply = (body: Html, status = 200, headers: Record<string, string> = {}): Reply => ({ status, text: body.value, contentType: HTML, headers: { ...SECURITY_HEADERS, ...headers } });
/** The settings form's spend cap as PATCH room takes it: no amount is no cap; no grace, calls in progress finish. */
function spendCapOfForm(monthly: string, grace: string): { monthly: string; graceSeconds: number | null } | null {
  if (monthly.trim() === '') return null;
  const seconds = Number(grace);
  return { monthly: monthly.trim(), graceSeconds: grace.trim() === '' ? null : Number.isInteger(seconds) ? seconds : -1 };
}

const redirect = (location: string, headers: Record<string, string> = {}): Reply => ({ status: 303, text: '', contentType: 'text/plain', headers: { location, ...headers } });
const formOf = (req: Request): Record<string, string> => (typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, string>) : {});

export function registerPages(router: Router, deps: WebDeps = {}): void {
  const now = deps.now ?? Date.now;
  const add = (method: string, pattern: string, handler: Handler, body: BodyKind = 'json') => router.add(method, pattern, asPage(handler), body, 'page');

  const invoke = (req: Request, method: string, url: string, token?: string, body?: unknown): Promise<Reply> => router.invoke({
    method,
    url,
    headers: { host: req.headers.host ?? 'localhost', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body }),
    address: req.address,
  });
  const call = async <T>(req: Request, method: string, url: string, token?: string, body?: unknown): Promise<ApiAnswer<T>> => {
    const reply = await invoke(req, method, url, token, body);
    const json = 'json' in reply ? reply.json : 'text' in reply ? reply.text : null;
    const error = reply.status >= 400 && typeof json === 'object' && json !== null ? (json as { error?: { code: string; message: string } }).error : undefined;
    return { status: reply.status, body: json as T, ...(error === undefined ? {} : { error }) };
  };
  /** The API's answer, or an HttpError carrying its status and message (a page shows it). */
  const must = async <T>(answer: Promise<ApiAnswer<T>>): Promise<T> => {
    const a = await answer;
    if (a.error !== undefined) throw new HttpError(a.status, a.error.code, a.error.message);
    return a.body;
  };

  /** The browser's session, or null (no cookie, or a session that expired or was revoked). */
  const sessionOf = async (req: Request): Promise<Session | null> => {
    const token = readCookies(req.headers).get(SESSION_COOKIE);
    if (token === undefined) return null;
    const who = await call<{ accountId: number }>(req, 'GET', '/v1/sessions/current', token);
    if (who.status !== 200) return null;
    req.actor = `account:${who.body.accountId}`;
    return { token, accountId: who.body.accountId, csrf: csrfTokenFor(token) };
  };
  const base = (v: Session) => `/v1/accounts/${v.accountId}`;
  const frame = (v: Visitor, req: Request, title: string, extra: Partial<PageFrame> = {}): PageFrame => {
    const notice = NOTICES[req.query.get('done') ?? ''];
    const membership = v.account.kind === 'personal' && v.organization !== null ? { membership: v.organization.name } : {};
    return { title, csrf: v.csrf, path: req.path, nav: v.account.kind === 'organization' ? ADMIN_NAV : OWNER_NAV, ...membership, ...(notice === undefined ? {} : { notice }), ...extra };
  };
  const signedOutCookie = (req: Request) => cookie(SESSION_COOKIE, '', isHttps(req), 0);
  const toSignin = (req: Request) => redirect('/signin', { 'set-cookie': signedOutCookie(req) });

  /**
   * A signed-in page of any account: no session goes to sign-in; a room without PINs goes to
   * the PIN page first (nobody can enter the room until both are set). POSTs must carry the
   * CSRF token. The account, its room (none for an organization) and organization come from the API.
   */
  const signedInPage = (handler: (req: Request, v: Visitor) => Promise<Reply>, options: { pinsFirst?: boolean } = {}) => async (req: Request): Promise<Reply> => {
    const session = await sessionOf(req);
    if (session === null) return toSignin(req);
    if (req.method === 'POST' && !sameToken(formOf(req)._csrf, session.csrf)) throw new HttpError(403, 'BadCsrfToken', 'the form is stale or came from another site: reload the page and try again');
    const { account } = await must(call<{ account: Account }>(req, 'GET', base(session), session.token));
    // The room as its own route gives it (settings added there reach the room pages as they are).
    const room = account.kind === 'organization' ? null : await must(call<RoomShown>(req, 'GET', `${base(session)}/room`, session.token));
    if ((options.pinsFirst ?? true) && room !== null && !room.pinsSet) return redirect('/app/pins');
    let organization: Visitor['organization'] = null;
    if (account.organizationId !== null) {
      const member = await call<{ organization: NonNullable<Visitor['organization']> }>(req, 'GET', `${base(session)}/organization`, session.token);
      organization = member.error === undefined ? member.body.organization : null;
    }
    return handler(req, { ...session, account, room, organization });
  };
  /** A page about the visitor's room: an organization's administrator has none and goes to the organization's page. */
  const ownerPage = (handler: (req: Request, v: Visitor, room: RoomShown) => Promise<Reply>, options: { pinsFirst?: boolean } = {}) => signedInPage(async (req, v) => {
    if (v.room === null) return redirect('/app/organization');
    return handler(req, v, v.room);
  }, options);
  /** Runs a form's API call; an API refusal re-renders the page with its message. */
  const orShow = async (attempt: () => Promise<Reply>, again: (message: string) => Promise<Reply>): Promise<Reply> => {
    try {
      return await attempt();
    } catch (err) {
      if (err instanceof HttpError && err.status < 500 && err.status !== 401) return again(err.message);
      throw err;
    }
  };

  add('GET', '/web/style.css', async () => ({ status: 200, text: STYLESHEET, contentType: 'text/css; charset=utf-8' }));
  add('GET', '/', async () => redirect('/app/room'));
  add('GET', '/app', async () => redirect('/app/room'));

  // --- sign in and out ---------------------------------------------------------------
  const signinPage = (req: Request, nonce: string, error?: string, status = 200): Reply => {
    const notice = NOTICES[req.query.get('done') ?? ''];
    return htmlReply(page({ title: 'Sign in', ...(error === undefined ? {} : { error }), ...(notice === undefined ? {} : { notice }) }, signinView(nonce)), status, { 'set-cookie': cookie(FORM_COOKIE, nonce, isHttps(req)) });
  };
  add('GET', '/signin', async (req) => {
    if ((await sessionOf(req)) !== null) return redirect('/app/room');
    return signinPage(req, readCookies(req.headers).get(FORM_COOKIE) ?? newFormNonce());
  });
  add('POST', '/signin', async (req) => {
    const form = formOf(req);
    const nonce = readCookies(req.headers).get(FORM_COOKIE);
    if (nonce === undefined || !sameToken(form._form, nonce)) return signinPage(req, newFormNonce(), 'The form expired: please sign in again.', 403);
    const answer = await call<{ token: string; accountId: number }>(req, 'POST', '/v1/sessions', undefined, { email: form.email ?? '', password: form.password ?? '' });
    if (answer.error !== undefined) {
      const message = answer.error.code === 'BadCredentials' ? 'Wrong e-mail or password.' : answer.error.message;
      return signinPage(req, nonce, message, answer.status);
    }
    req.actor = `account:${answer.body.accountId}`;
    return redirect('/app/room', { 'set-cookie': cookie(SESSION_COOKIE, answer.body.token, isHttps(req)) });
  }, 'form');
  // --- links by e-mail (no session: the double-submitted form nonce guards the POSTs) -------
  /** An anonymous page with its form nonce cookie; `body` gets the nonce. */
  const anonymousPage = (req: Request, title: string, body: (nonce: string) => Html, extra: { error?: string; notice?: string } = {}, status = 200): Reply => {
    const nonce = readCookies(req.headers).get(FORM_COOKIE) ?? newFormNonce();
    return htmlReply(page({ title, ...extra }, body(nonce)), status, { 'set-cookie': cookie(FORM_COOKIE, nonce, isHttps(req)) });
  };
  const formNonceOk = (req: Request) => {
    const nonce = readCookies(req.headers).get(FORM_COOKIE);
    return nonce !== undefined && sameToken(formOf(req)._form, nonce);
  };
  const STALE = 'The form expired: please try again.';
  const tokenOf = (req: Request) => (req.query.get('token') ?? formOf(req).token ?? '').slice(0, 200);

  add('GET', '/forgot-password', async (req) => anonymousPage(req, 'Forgotten password', forgotView));
  add('POST', '/forgot-password', async (req) => {
    if (!formNonceOk(req)) return anonymousPage(req, 'Forgotten password', forgotView, { error: STALE }, 403);
    const answer = await call(req, 'POST', '/v1/password-resets', undefined, { email: formOf(req).email ?? '' });
    if (answer.error !== undefined) return anonymousPage(req, 'Forgotten password', forgotView, { error: answer.error.message }, answer.status);
    return anonymousPage(req, 'Forgotten password', () => html`<p>If an account has that address, a link to choose a new password is on its way. It works once, within an hour.</p><p><a href="/signin">Back to sign in</a></p>`, { notice: 'Check your e-mail.' });
  }, 'form');
  add('GET', '/reset-password', async (req) => anonymousPage(req, 'Choose a new password', (nonce) => resetView(nonce, tokenOf(req))));
  add('POST', '/reset-password', async (req) => {
    const form = formOf(req);
    const again = (error: string, status: number) => anonymousPage(req, 'Choose a new password', (nonce) => resetView(nonce, tokenOf(req)), { error }, status);
    if (!formNonceOk(req)) return again(STALE, 403);
    if ((form.newPassword ?? '') !== (form.confirmPassword ?? '')) return again('The new password and its repetition differ.', 400);
    const answer = await call(req, 'POST', '/v1/password-resets/confirm', undefined, { token: tokenOf(req), newPassword: form.newPassword ?? '' });
    if (answer.error !== undefined) {
      if (answer.error.code === 'LinkInvalid') return anonymousPage(req, 'Choose a new password', () => html`<p><a href="/forgot-password">Ask for a new link</a></p>`, { error: answer.error.message }, answer.status);
      return again(answer.error.message, answer.status);
    }
    return redirect('/signin?done=reset');
  }, 'form');
  // Opening the link shows a button: a GET changes nothing (mail scanners open links too).
  add('GET', '/confirm-email', async (req) => anonymousPage(req, 'Confirm your new e-mail address', (nonce) => confirmEmailView(nonce, tokenOf(req))));
  add('POST', '/confirm-email', async (req) => {
    if (!formNonceOk(req)) return anonymousPage(req, 'Confirm your new e-mail address', (nonce) => confirmEmailView(nonce, tokenOf(req)), { error: STALE }, 403);
    const answer = await call<Account>(req, 'POST', '/v1/email-changes/confirm', undefined, { token: tokenOf(req) });
    if (answer.error !== undefined) return anonymousPage(req, 'Confirm your new e-mail address', () => html`<p>Ask for the change again on your account page.</p>`, { error: answer.error.message }, answer.status);
    return anonymousPage(req, 'E-mail address changed', () => html`<p>Your account's address is now <strong id="new-email">${answer.body.email}</strong>. Sign in with it from now on.</p><p><a href="/app/room">Go to my room</a></p>`, { notice: 'Confirmed.' });
  }, 'form');

  add('POST', '/signout', async (req) => {
    const v = await sessionOf(req);
    if (v === null) return toSignin(req);
    if (!sameToken(formOf(req)._csrf, v.csrf)) throw new HttpError(403, 'BadCsrfToken', 'the form is stale or came from another site: reload the page and try again');
    await must(call(req, 'DELETE', '/v1/sessions/current', v.token));
    return redirect('/signin?done=signedout', { 'set-cookie': signedOutCookie(req) });
  }, 'form');

  // --- first login: both PINs before anything else ----------------------------------
  const pinsPage = (req: Request, v: Visitor, room: RoomShown, error?: string) =>
    htmlReply(page(frame(v, req, room.pinsSet ? 'Change PINs' : 'Set your room\'s PINs', { ...(error === undefined ? {} : { error }), ...(room.pinsSet ? {} : { nav: [] }) }), pinsForm(v.csrf, '/app/pins', room, !room.pinsSet)), error === undefined ? 200 : 400);
  add('GET', '/app/pins', ownerPage(async (req, v, room) => pinsPage(req, v, room), { pinsFirst: false }));
  add('POST', '/app/pins', ownerPage(async (req, v, room) => {
    const form = formOf(req);
    return orShow(async () => {
      await must(call(req, 'PUT', `${base(v)}/room/pins`, v.token, { moderator: form.moderator ?? '', participant: form.participant ?? '' }));
      return redirect('/app/room?done=pins');
    }, async (message) => pinsPage(req, v, room, message));
  }, { pinsFirst: false }), 'form');

  // --- my room -----------------------------------------------------------------------
  const roomPage = async (req: Request, v: Visitor, room: RoomShown, error?: string) => {
    const subscriptions = await must(call<Subscription[]>(req, 'GET', `${base(v)}/subscriptions?limit=500`, v.token));
    const recordings = await must(call<RecordingListed[]>(req, 'GET', `${base(v)}/recordings?limit=${RECORDINGS_SHOWN}`, v.token));
    const pinLocks = await must(call<RoomPinLocks>(req, 'GET', `${base(v)}/room/pin-lock`, v.token));
    const { spend } = await must(call<{ spend: RoomSpendShown }>(req, 'GET', `${base(v)}/room`, v.token));
    const body = html`${pinLockSection(v.csrf, pinLocks)}${roomView(v.csrf, room, [...subscriptions.filter((s) => s.endedAt === null).map((s) => s.e164), ...(v.organization?.numbers ?? [])], spend)}
<h2>Live view</h2><p><a href="/app/room/live" id="live-link">Who is in my room now</a>: mute, remove, lock, record or end the conference.</p>
<h2>Recordings</h2>${recordingsSection(recordings)}`;
    return htmlReply(page(frame(v, req, 'My room', error === undefined ? {} : { error }), body), error === undefined ? 200 : 400);
  };
  add('GET', '/app/room', ownerPage(async (req, v, room) => roomPage(req, v, room)));
  add('POST', '/app/room/settings', ownerPage(async (req, v, room) => {
    const form = formOf(req);
    const max = Number(form.maxParticipants ?? '');
    return orShow(async () => {
      await must(call(req, 'PATCH', `${base(v)}/room`, v.token, {
        onModeratorLeave: form.onModeratorLeave ?? '',
        language: form.language ?? '',
        locked: form.locked === 'on',
        callback: form.callback === 'on',
        maxParticipants: Number.isInteger(max) ? max : -1,
        // A checkbox left unticked is absent from the form: every setting is sent, on or off.
        announcements: Object.fromEntries(ANNOUNCEMENT_SETTINGS.map(({ name }) => [name, form[name] === 'on'])),
        spendCap: spendCapOfForm(form.spendCapMonthly ?? '', form.spendCapGrace ?? ''),
      }));
      return redirect('/app/room?done=settings');
    }, async (message) => roomPage(req, v, room, message));
  }), 'form');

  add('POST', '/app/room/pin-lock', ownerPage(async (req, v, room) => orShow(async () => {
    await must(call(req, 'DELETE', `${base(v)}/room/pin-lock`, v.token));
    return redirect('/app/room?done=pinlock');
  }, async (message) => roomPage(req, v, room, message))), 'form');

  // --- toll-free numbers -------------------------------------------------------------
  const numbersPage = async (req: Request, v: Visitor, error?: string) => {
    const subscriptions = await must(call<Subscription[]>(req, 'GET', `${base(v)}/subscriptions?limit=500`, v.token));
    const available = await must(call<PhoneNumber[]>(req, 'GET', `${base(v)}/numbers/available?limit=500`, v.token));
    return htmlReply(page(frame(v, req, 'Toll-free numbers', error === undefined ? {} : { error }), numbersView(v.csrf, subscriptions.filter((s) => s.endedAt === null), available, v.account.kind === 'organization' ? 'your members\' rooms' : 'your room')), error === undefined ? 200 : 400);
  };
  add('GET', '/app/numbers', signedInPage(async (req, v) => numbersPage(req, v)));
  add('POST', '/app/numbers/subscribe', signedInPage(async (req, v) => {
    const e164 = formOf(req).e164 ?? '';
    return orShow(async () => {
      await must(call(req, 'POST', `${base(v)}/subscriptions`, v.token, { e164 }));
      return redirect('/app/numbers?done=subscribed');
    }, async (message) => numbersPage(req, v, message));
  }), 'form');
  // Unsubscribing is two steps: this month's usage and charges, then the confirmation.
  add('GET', '/app/numbers/unsubscribe', signedInPage(async (req, v) => {
    const e164 = (req.query.get('e164') ?? '').slice(0, 32);
    return orShow(async () => {
      const usage = await must(call<NumberUsage>(req, 'GET', `${base(v)}/subscriptions/${encodeURIComponent(e164)}/usage`, v.token));
      return htmlReply(page(frame(v, req, `Unsubscribe from ${e164}?`), unsubscribeView(v.csrf, usage, null)));
    }, async (message) => numbersPage(req, v, message));
  }));
  add('POST', '/app/numbers/unsubscribe', signedInPage(async (req, v) => {
    const e164 = (formOf(req).e164 ?? '').slice(0, 32);
    return orShow(async () => {
      const done = await must(call<{ subscription: Subscription; usage: NumberUsage; mailed: boolean }>(req, 'DELETE', `${base(v)}/subscriptions/${encodeURIComponent(e164)}`, v.token));
      return htmlReply(page(frame(v, req, `Unsubscribed from ${e164}`), unsubscribeView(v.csrf, { ...done.usage, e164 }, { endedAt: done.subscription.endedAt ?? now(), mailed: done.mailed })));
    }, async (message) => numbersPage(req, v, message));
  }), 'form');

  // --- usage and statements ------------------------------------------------------------
  add('GET', '/app/usage', signedInPage(async (req, v) => {
    const filter = usageFilterOf(req, now());
    const query = new URLSearchParams({ from: filter.from, to: new Date(Date.parse(`${filter.to}T00:00:00Z`) + 86_400_000).toISOString(), limit: '500' });
    return orShow(async () => {
      const legs = await must(call<LedgerEntry[]>(req, 'GET', `${base(v)}/usage?${query.toString()}`, v.token));
      const subscriptions = await must(call<Subscription[]>(req, 'GET', `${base(v)}/subscriptions?limit=500`, v.token));
      const statement = await must(call<Statement>(req, 'GET', `${base(v)}/statements/${filter.period}`, v.token));
      const shown = legs.filter((l) => (filter.number === '' || l.dialled === filter.number) && (filter.role === '' || l.role === filter.role));
      const numbers = [...new Set([...subscriptions.map((s) => s.e164), ...legs.map((l) => l.dialled)])].sort();
      return htmlReply(page(frame(v, req, 'Usage and statements'), usageView(filter, shown, numbers, statement, recentPeriods(now(), 12))));
    }, async (message) => htmlReply(page(frame(v, req, 'Usage and statements', { error: message }), html`<p><a href="/app/usage">Show this month</a></p>`), 400));
  }));
  add('GET', '/app/statements/:period/:format', signedInPage(async (req, v) => {
    const period = (req.params.period ?? '').slice(0, 7);
    const format = req.params.format === 'pdf' ? 'pdf' : 'csv';
    const reply = await router.invoke({ method: 'GET', url: `${base(v)}/statements/${encodeURIComponent(period)}?format=${format}`, headers: { host: req.headers.host ?? 'localhost', authorization: `Bearer ${v.token}` }, address: req.address });
    if (!('text' in reply) && !('bytes' in reply)) return reply;
    return { ...reply, headers: { ...(reply.headers ?? {}), 'content-disposition': `attachment; filename="tollbridge-statement-${period}.${format}"` } };
  }));

  // --- account -----------------------------------------------------------------------
  const accountPage = async (req: Request, v: Visitor, error?: string) => {
    const { account } = await must(call<{ account: Account }>(req, 'GET', base(v), v.token));
    return htmlReply(page(frame(v, req, 'Account', error === undefined ? {} : { error }), accountView(v.csrf, account)), error === undefined ? 200 : 400);
  };
  add('GET', '/app/account', signedInPage(async (req, v) => accountPage(req, v)));
  add('POST', '/app/account/password', signedInPage(async (req, v) => {
    const form = formOf(req);
    if ((form.newPassword ?? '') !== (form.confirmPassword ?? '')) return accountPage(req, v, 'The new password and its repetition differ.');
    return orShow(async () => {
      await must(call(req, 'PUT', `${base(v)}/password`, v.token, { currentPassword: form.currentPassword ?? '', newPassword: form.newPassword ?? '' }));
      return redirect('/app/account?done=password');
    }, async (message) => accountPage(req, v, message));
  }), 'form');
  add('POST', '/app/account/email', signedInPage(async (req, v) => {
    const form = formOf(req);
    return orShow(async () => {
      await must(call(req, 'POST', `${base(v)}/email`, v.token, { newEmail: form.newEmail ?? '', password: form.password ?? '' }));
      return redirect('/app/account?done=emailsent');
    }, async (message) => accountPage(req, v, message));
  }), 'form');

  const kit: PageKit = { now, add, invoke, call, must, signedInPage, orShow, frame, htmlReply, redirect, formOf, base, signedOutCookie };
  registerOrganizationPages(kit);
  registerMyDataPages(kit);
  registerLivePages(kit);
}

const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const PERIOD_PATTERN = /^\d{4}-\d{2}$/;

/** The usage page's filter from its query, defaulting to this month so far. */
export function usageFilterOf(req: Request, nowMs: number): UsageFilter {
  const today = new Date(nowMs).toISOString().slice(0, 10);
  const get = (name: string) => (req.query.get(name) ?? '').slice(0, 32);
  const from = DAY_PATTERN.test(get('from')) ? get('from') : `${today.slice(0, 7)}-01`;
  const to = DAY_PATTERN.test(get('to')) ? get('to') : today;
  const period = PERIOD_PATTERN.test(get('period')) ? get('period') : today.slice(0, 7);
  const role = ['moderator', 'participant', 'unauthenticated'].includes(get('role')) ? get('role') : '';
  return { from, to, number: get('number'), role, period };
}
