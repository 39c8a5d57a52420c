// The API's routes. Owners authenticate with a session token (POST /v1/sessions) or an API key,
// as "Authorization: Bearer <token>", and reach only /v1/accounts/<their id>/...; another
// account's id gets 403. Operators use the operator token (TOLLBRIDGE_OPERATOR_TOKEN) on
// /v1/operator/... . Every list is paged (?limit=, ?after=; a full page has a Link to the next).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { DEFAULT_CALLER_RETENTION_DAYS, type Credential, type Database, type Room } from '../db/index.js';
import type { ModeratorLeavePolicy } from '../domain/rooms.js';
import type { NumberKind } from '../domain/numbers.js';
import { parseDate } from '../domain/dates.js';
import { maskEmail, normaliseEmail } from '../domain/email.js';
import { formatMoney, parseMoney } from '../domain/money.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../db/passwords.js';
import { MAX_LABEL_LENGTH } from '../db/repositories/credentials.js';
import type { Mailer } from '../app/accounts/mailer.js';
import { unsubscribe } from '../app/accounts/subscriptions.js';
import { roomSpend } from '../app/accounts/room-spend.js';
import type { SpendCap } from '../domain/spend-cap.js';
import { DEFAULT_SIGNIN_LIMITS, SigninBackoff, type SigninLimits } from './backoff.js';
import { HttpError, field, ok, text, type Reply, type Request, type Router } from './http.js';
import { openApiDocument } from './openapi.js';
import { registerOrganizationRoutes } from './organization-routes.js';
import { registerLiveRoutes } from './live-routes.js';
import { registerPinLockRoutes } from './pin-lock-routes.js';
import type { LiveControl } from '../app/calls/live-rooms.js';
import { registerRecordingRoutes } from './recording-routes.js';
import type { RecordingControl } from '../flows/recording-control.js';
import { statementPdf } from './statement-pdf.js';
import { checkHealth, type HealthSources } from './health.js';
import { CredentialStreams } from './credential-streams.js';

export interface ApiDeps {
  db: Database;
  mailer: Mailer;
  log: Logger;
  operatorToken: string;
  /** What GET /health reports beyond the database (none for `tollbridge api`). */
  health?: HealthSources;
  /** Bound on the health check's database query (default HEALTH_DB_TIMEOUT_MS). */
  healthTimeoutMs?: number;
  /** Host names the API answers to beyond localhost, 127.0.0.1, [::1] and the one it listens on. */
  allowedHosts?: string[];
  /** Proxies (addresses, CIDR blocks) whose X-Forwarded-For names the client (TOLLBRIDGE_TRUSTED_PROXIES). */
  trustedProxies?: string[];
  /** Backoff on wrong passwords (default DEFAULT_SIGNIN_LIMITS). */
  signinLimits?: SigninLimits;
  /** Where the web pages are, for links in e-mails (default: http(s)://<the request's allowed Host>). */
  publicUrl?: string;
  now?: () => number;
  /** Days caller numbers are kept in the ledger (default DEFAULT_CALLER_RETENTION_DAYS). */
  callerRetentionDays?: number;
  /** The bridge's rooms, for the owner's live view and controls (only beside the bridge: `tollbridge start`). */
  live?: LiveControl;
  /** Where conference recordings are kept (TOLLBRIDGE_RECORDINGS_DIR); absent: none can be downloaded. */
  recordingsDir?: string;
  /** The bridge's recorder, when the bridge runs in this process (`tollbridge start`). */
  recording?: RecordingControl;
}

/** Longest page a list route returns, and the page when ?limit= is not given. */
export const MAX_PAGE = 500;
export const DEFAULT_PAGE = 100;
/** Longest /usage window (from..to), and the window when ?from= is not given. */
export const MAX_USAGE_RANGE_MS = 366 * 86_400_000;
export const DEFAULT_USAGE_RANGE_MS = 31 * 86_400_000;
/** Least time between two password-reset mails to one account. */
export const RESET_MAIL_INTERVAL_MS = 60_000;

function bearer(req: Request): string {
  const header = req.headers.authorization ?? '';
  const m = /^Bearer\s+(\S{1,200})$/i.exec(header);
  if (m === null) throw new HttpError(401, 'Unauthenticated', 'send "Authorization: Bearer <token>" (POST /v1/sessions gives a token)');
  return m[1] as string;
}

const sha256 = (value: string) => createHash('sha256').update(value).digest();

/** Equal strings, compared in time that does not depend on where they differ. */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(sha256(given), sha256(expected));
}

const KINDS: NumberKind[] = ['toll_free', 'local'];
const POLICIES: ModeratorLeavePolicy[] = ['end', 'continue', 'wait'];

function kindOf(value: string | undefined): NumberKind {
  if (value === undefined || !KINDS.includes(value as NumberKind)) throw new HttpError(400, 'BadField', '"kind" must be toll_free or local');
  return value as NumberKind;
}

function idParam(req: Request, name: string): number {
  const raw = req.params[name] ?? '';
  if (!/^[1-9]\d{0,14}$/.test(raw)) throw new HttpError(404, 'NotFound', `no such ${name}`);
  return Number(raw);
}

function dateParam(req: Request, name: string): number | undefined {
  const raw = req.query.get(name);
  if (raw === null || raw === '') return undefined;
  return parseDate(raw, name);
}

interface PageQuery {
  limit: number;
  after: string | undefined;
}

function pageOf(req: Request): PageQuery {
  const rawLimit = req.query.get('limit');
  let limit = DEFAULT_PAGE;
  if (rawLimit !== null) {
    if (!/^\d{1,6}$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > MAX_PAGE) throw new HttpError(400, 'BadQuery', `"limit" is a whole number from 1 to ${MAX_PAGE}`);
    limit = Number(rawLimit);
  }
  const after = req.query.get('after');
  if (after !== null && after.length > 100) throw new HttpError(400, 'BadQuery', '"after" is the cursor of the previous page');
  return { limit, after: after ?? undefined };
}

function idCursor(after: string | undefined): number | undefined {
  if (after === undefined) return undefined;
  if (!/^\d{1,15}$/.test(after)) throw new HttpError(400, 'BadQuery', '"after" is the last id of the previous page');
  return Number(after);
}

/** A page of items; a full page links to the next. */
function paged<T>(req: Request, items: T[], page: PageQuery, cursorOf: (item: T) => string): Reply {
  const last = items[items.length - 1];
  if (items.length < page.limit || last === undefined) return ok(items);
  const next = new URLSearchParams(req.query);
  next.set('limit', String(page.limit));
  next.set('after', cursorOf(last));
  return ok(items, 200, { link: `<${req.path}?${next.toString()}>; rel="next"` });
}

export function registerRoutes(router: Router, deps: ApiDeps): void {
  const { db, mailer, log } = deps;
  const now = deps.now ?? Date.now;
  const limits = deps.signinLimits ?? DEFAULT_SIGNIN_LIMITS;
  // In the database: every API process on it counts the same failures.
  const backoff = new SigninBackoff(db.signinFailures, limits, log, now);

  /** The live credential of the request, which must be for the account in the path. */
  const ownerCredential = async (req: Request): Promise<Credential> => {
    const credential = await db.credentials.credentialFor(bearer(req));
    if (credential === null) throw new HttpError(401, 'Unauthenticated', 'the token is unknown, expired or revoked');
    req.actor = `account:${credential.accountId}`;
    if (String(credential.accountId) !== req.params.accountId) throw new HttpError(403, 'Forbidden', 'a token reaches only its own account');
    return credential;
  };
  const owner = async (req: Request): Promise<number> => (await ownerCredential(req)).accountId;
  const operator = (req: Request): void => {
    if (deps.operatorToken === '') throw new HttpError(403, 'Forbidden', 'operator routes are closed: set TOLLBRIDGE_OPERATOR_TOKEN');
    if (!sameSecret(bearer(req), deps.operatorToken)) throw new HttpError(403, 'Forbidden', 'operator routes need the operator token');
    req.actor = 'operator';
  };
  const roomOf = async (accountId: number) => {
    const [room] = await db.rooms.forAccount(accountId);
    if (room === undefined) throw new HttpError(404, 'RoomNotFound', 'this account has no room');
    return room;
  };

  /**
   * A password check under backoff, per client address and per account (by e-mail): refused
   * with 429 and Retry-After while either is closed, without hashing anything. A wrong
   * password is logged (the e-mail masked and hashed, never the password).
   */
  const checkedPassword = async (req: Request, email: string, check: () => Promise<boolean>): Promise<boolean> => {
    const accountKey = email.trim().toLowerCase().slice(0, 320);
    const waitMs = await backoff.waitMs(req.address, accountKey);
    if (waitMs > 0) {
      log.info({ address: req.address, email: maskEmail(accountKey), route: req.pattern }, 'password check refused: backing off');
      throw new HttpError(429, 'TooManyAttempts', 'too many wrong passwords: wait before trying again', { 'retry-after': String(Math.ceil(waitMs / 1000)) });
    }
    if (await check()) {
      await backoff.succeed(accountKey);
      return true;
    }
    await backoff.fail(req.address, accountKey);
    log.warn({ address: req.address, email: maskEmail(accountKey), emailHash: sha256(accountKey).toString('hex').slice(0, 16), route: req.pattern }, 'wrong password');
    return false;
  };
  /** Re-authentication of a signed-in owner before a sensitive change. */
  const reauthenticate = async (req: Request, accountId: number, password: string): Promise<void> => {
    const account = await db.accounts.get(accountId);
    if (!(await checkedPassword(req, account.email, () => db.accounts.checkPassword(accountId, password)))) {
      throw new HttpError(403, 'BadPassword', 'the password is wrong: this change needs the account\'s current password');
    }
  };

  router.add('GET', '/openapi.json', async () => ok(openApiDocument(router.list())));

  // No authentication: supervisors poll it. 503 when this process cannot take calls.
  router.add('GET', '/health', async () => {
    const report = await checkHealth(db.knex, deps.health ?? {}, deps.healthTimeoutMs, (err) => log.warn({ err }, 'health check: database query failed'));
    return ok(report, report.status === 'ok' ? 200 : 503);
  });

  router.add('POST', '/v1/sessions', async (req) => {
    // Hashing at its bound: refuse before any database work (a flood costs the least here).
    if (db.passwords.stats().load >= db.passwords.capacity) throw new HttpError(503, 'HashingBusy', 'password hashing is at its limit: try again in a moment', { 'retry-after': '1' });
    const email = text(req.body, 'email', 320) ?? '';
    const password = text(req.body, 'password', MAX_PASSWORD_LENGTH) ?? '';
    const signedIn: { accountId: number | null } = { accountId: null };
    const good = await checkedPassword(req, email, async () => {
      signedIn.accountId = (await db.accounts.verifyPassword(email, password))?.id ?? null;
      return signedIn.accountId !== null;
    });
    const accountId = signedIn.accountId;
    if (!good || accountId === null) throw new HttpError(401, 'BadCredentials', 'wrong e-mail or password, or the account is deactivated');
    const session = await db.credentials.session(accountId);
    req.actor = `account:${accountId}`;
    return ok({ token: session.token, accountId }, 201);
  });
  // Logout: the session token of the request is revoked.
  router.add('DELETE', '/v1/sessions/current', async (req) => {
    const credential = await db.credentials.credentialFor(bearer(req));
    if (credential === null) throw new HttpError(401, 'Unauthenticated', 'the token is unknown, expired or revoked');
    req.actor = `account:${credential.accountId}`;
    if (credential.kind !== 'session') throw new HttpError(400, 'NotASession', 'this is an API key: revoke it with DELETE /v1/accounts/{id}/api-keys/{keyId}');
    await db.credentials.revoke(credential.id);
    return ok(null, 204);
  });

  // Whose token this is (the web pages find the account of their session cookie here).
  router.add('GET', '/v1/sessions/current', async (req) => {
    const credential = await db.credentials.credentialFor(bearer(req));
    if (credential === null) throw new HttpError(401, 'Unauthenticated', 'the token is unknown, expired or revoked');
    return ok({ accountId: credential.accountId, kind: credential.kind });
  });

  // --- links by e-mail: forgotten password, new e-mail address --------------------------
  const linkBase = (req: Request) => deps.publicUrl ?? `${req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`;
  /** Sent after the reply, so neither timing nor a mail failure tells whether the account exists. */
  const mailLater = (mail: { to: string; subject: string; text: string }, accountId: number) => {
    void mailer.send(mail).catch((err: unknown) => log.error({ err, accountId }, 'account link mail failed'));
  };
  const resetMailedAt = new Map<number, number>();
  // A forgotten password: the same answer whether or not the address has an account.
  router.add('POST', '/v1/password-resets', async (req) => {
    const email = text(req.body, 'email', 320) ?? '';
    const account = await db.accounts.findByEmail(email);
    const lastMail = account === null ? undefined : resetMailedAt.get(account.id);
    // One reset mail a minute per account: the form cannot be used to flood someone's mailbox.
    if (account !== null && account.deactivatedAt === null && account.hasPassword && (lastMail === undefined || now() - lastMail >= RESET_MAIL_INTERVAL_MS)) {
      resetMailedAt.set(account.id, now());
      const token = await db.accountLinks.create(account.id, 'password_reset');
      req.actor = `account:${account.id}`;
      mailLater({
        to: account.email,
        subject: 'tollbridge: choose a new password',
        text: [`Hello ${account.name},`, '', 'Someone (we hope you) asked to reset the password of your tollbridge account. Open this link within an hour to choose a new one; it works once:', '', `${linkBase(req)}/reset-password?token=${token}`, '', 'If you did not ask for this, ignore this mail: your password stays as it is.'].join('\n'),
      }, account.id);
    }
    return ok({ status: 'if an account has this address, a link to reset its password was sent to it' }, 202);
  });
  router.add('POST', '/v1/password-resets/confirm', async (req) => {
    const token = text(req.body, 'token', 200) ?? '';
    const password = text(req.body, 'newPassword', MAX_PASSWORD_LENGTH) ?? '';
    // Checked before the link is used up, so a too-short password does not cost the link.
    if (password.length < MIN_PASSWORD_LENGTH) throw new HttpError(400, 'InvalidPassword', `a password needs at least ${MIN_PASSWORD_LENGTH} characters: choose a longer one`);
    const link = await db.accountLinks.use(token, 'password_reset');
    req.actor = `account:${link.accountId}`;
    await db.accounts.setPassword(link.accountId, password);
    const revoked = await db.credentials.revokeSessions(link.accountId);
    return ok({ accountId: link.accountId, revokedSessions: revoked });
  });
  router.add('POST', '/v1/email-changes/confirm', async (req) => {
    const link = await db.accountLinks.use(text(req.body, 'token', 200) ?? '', 'email_change');
    req.actor = `account:${link.accountId}`;
    return ok(await db.accounts.changeEmail(link.accountId, link.newEmail ?? ''));
  });

  // --- owner routes -------------------------------------------------------------------
  router.add('GET', '/v1/accounts/:accountId', async (req) => {
    const id = await owner(req);
    const account = await db.accounts.get(id);
    // An organization's account has no room (its administrator joins no calls).
    return ok({ account, room: account.kind === 'organization' ? null : await roomOf(id) });
  });
  // Every session of the account ends (API keys stay).
  router.add('DELETE', '/v1/accounts/:accountId/sessions', async (req) => ok({ revokedSessions: await db.credentials.revokeSessions(await owner(req)) }));
  router.add('PUT', '/v1/accounts/:accountId/password', async (req) => {
    const credential = await ownerCredential(req);
    const current = text(req.body, 'currentPassword', MAX_PASSWORD_LENGTH) ?? '';
    const next = text(req.body, 'newPassword', MAX_PASSWORD_LENGTH) ?? '';
    await reauthenticate(req, credential.accountId, current);
    await db.accounts.setPassword(credential.accountId, next);
    const revoked = await db.credentials.revokeSessions(credential.accountId, credential.kind === 'session' ? credential.id : undefined);
    return ok({ revokedSessions: revoked });
  });
  // A new e-mail address takes effect when the link sent to it is opened (needs the password).
  router.add('POST', '/v1/accounts/:accountId/email', async (req) => {
    const id = await owner(req);
    const newEmail = normaliseEmail(text(req.body, 'newEmail', 320) ?? '');
    await reauthenticate(req, id, text(req.body, 'password', MAX_PASSWORD_LENGTH) ?? '');
    const holder = await db.accounts.findByEmail(newEmail);
    if (holder !== null) throw new HttpError(409, 'EmailTaken', holder.id === id ? 'this is already the account\'s address' : 'another account has this address');
    const account = await db.accounts.get(id);
    const token = await db.accountLinks.create(id, 'email_change', newEmail);
    mailLater({
      to: newEmail,
      subject: 'tollbridge: confirm your new e-mail address',
      text: [`Hello ${account.name},`, '', `Open this link within 24 hours to make ${newEmail} the address of your tollbridge account; it works once:`, '', `${linkBase(req)}/confirm-email?token=${token}`, '', `Until then the account keeps ${account.email}.`].join('\n'),
    }, id);
    return ok({ status: 'a confirmation link was sent to the new address', newEmail }, 202);
  });
  /** The room with what its calls cost this month (open legs up to now) against its spend cap. */
  const withSpend = async (room: Room) => {
    const spend = await roomSpend(db, room, now());
    return { ...room, spend: { period: spend.period, spentMicros: spend.spentMicros, spent: formatMoney(spend.spentMicros, 6), level: spend.level } };
  };
  router.add('GET', '/v1/accounts/:accountId/room', async (req) => ok(await withSpend(await roomOf(await owner(req)))));
  // Live event streams end with the session or key that opened them.
  const streams = new CredentialStreams(db.credentials, log, { now });
  registerLiveRoutes(router, deps.live, { ownerCredential, roomOf, holdWhileLive: (credential, end) => streams.hold(credential, end) });
  router.add('PATCH', '/v1/accounts/:accountId/room', async (req) => {
    const room = await roomOf(await owner(req));
    if (typeof req.body === 'object' && req.body !== null && Object.hasOwn(req.body, 'number')) {
      throw new HttpError(400, 'RoomNumberPermanent', 'a room number is permanent and cannot be changed');
    }
    const onModeratorLeave = field(req.body, 'onModeratorLeave', 'string', false);
    if (onModeratorLeave !== undefined && !POLICIES.includes(onModeratorLeave as ModeratorLeavePolicy)) {
      throw new HttpError(400, 'BadField', '"onModeratorLeave" must be end, continue or wait');
    }
    const settings = {
      ...(onModeratorLeave === undefined ? {} : { onModeratorLeave: onModeratorLeave as ModeratorLeavePolicy }),
      ...optional('language', text(req.body, 'language', 10, false)),
      ...optional('locked', field(req.body, 'locked', 'boolean', false)),
      ...optional('maxParticipants', field(req.body, 'maxParticipants', 'number', false)),
      ...optional('announcements', announcementsField(req.body)),
      ...optional('spendCap', spendCapField(req.body)),
    };
    return ok(await withSpend(await db.rooms.updateSettings(room.number, settings)));
  });
  router.add('PUT', '/v1/accounts/:accountId/room/pins', async (req) => {
    const room = await roomOf(await owner(req));
    const moderator = text(req.body, 'moderator', 32) ?? '';
    const participant = text(req.body, 'participant', 32) ?? '';
    return ok(await db.rooms.setPins(room.number, { moderator, participant }));
  });
  registerPinLockRoutes(router, { db, owner, roomOf });
  router.add('GET', '/v1/accounts/:accountId/numbers/available', async (req) => {
    await owner(req);
    const page = pageOf(req);
    const numbers = await db.numbers.listPage({ availableOnly: true, kind: 'toll_free' }, { limit: page.limit, ...optional('after', page.after) });
    return paged(req, numbers, page, (n) => n.e164);
  });
  router.add('GET', '/v1/accounts/:accountId/subscriptions', async (req) => {
    const id = await owner(req);
    const page = pageOf(req);
    const subscriptions = await db.numbers.subscriptionsPage(id, { limit: page.limit, ...optional('after', idCursor(page.after)) });
    return paged(req, subscriptions, page, (s) => String(s.id));
  });
  router.add('POST', '/v1/accounts/:accountId/subscriptions', async (req) => {
    const id = await owner(req);
    return ok(await db.numbers.subscribe(text(req.body, 'e164', 32) ?? '', id), 201);
  });
  router.add('DELETE', '/v1/accounts/:accountId/subscriptions/:e164', async (req) => {
    const id = await owner(req);
    return ok(await unsubscribe(db, mailer, log, (req.params.e164 ?? '').slice(0, 32), id));
  });
  // This month's usage and charges of one subscribed number: what unsubscribing would confirm.
  router.add('GET', '/v1/accounts/:accountId/subscriptions/:e164/usage', async (req) => {
    const id = await owner(req);
    const e164 = (req.params.e164 ?? '').slice(0, 32);
    const live = (await db.numbers.subscriptionsFor(id)).find((s) => s.e164 === e164 && s.endedAt === null);
    if (live === undefined) throw new HttpError(404, 'NotSubscribed', `${e164} is not subscribed by this account`);
    const usage = await db.ledger.usage(id, { numberId: live.numberId });
    return ok({ e164, ...usage, amount: formatMoney(usage.amountMicros, 6), billableMinutes: usage.billableSeconds / 60 });
  });
  router.add('GET', '/v1/accounts/:accountId/usage', async (req) => {
    const id = await owner(req);
    const to = dateParam(req, 'to') ?? now() + 1;
    const from = dateParam(req, 'from') ?? to - DEFAULT_USAGE_RANGE_MS;
    if (from > to) throw new HttpError(400, 'BadQuery', '"from" must not be after "to"');
    if (to - from > MAX_USAGE_RANGE_MS) throw new HttpError(400, 'RangeTooLong', 'a usage query covers at most 366 days: narrow "from" and "to"');
    const page = pageOf(req);
    let after: { answeredAt: number; id: number } | undefined;
    if (page.after !== undefined) {
      const m = /^(\d{1,15})\.(\d{1,15})$/.exec(page.after);
      if (m === null) throw new HttpError(400, 'BadQuery', '"after" is the cursor of the previous page');
      after = { answeredAt: Number(m[1]), id: Number(m[2]) };
    }
    const legs = await db.ledger.legsFor(id, { from, to, limit: page.limit, ...optional('after', after) });
    return paged(req, legs, page, (e) => `${e.answeredAt}.${e.id}`);
  });
  router.add('GET', '/v1/accounts/:accountId/statements/:period', async (req) => {
    const id = await owner(req);
    const statement = await db.statements.build(id, (req.params.period ?? '').slice(0, 20));
    if (req.query.get('format') === 'csv' || (req.headers.accept ?? '').includes('text/csv')) {
      return { status: 200, text: db.statements.toCsv(statement), contentType: 'text/csv; charset=utf-8' };
    }
    if (req.query.get('format') === 'pdf' || (req.headers.accept ?? '').includes('application/pdf')) {
      return { status: 200, bytes: await statementPdf(statement, await db.accounts.get(id)), contentType: 'application/pdf' };
    }
    return ok(statement);
  });
  router.add('GET', '/v1/accounts/:accountId/api-keys', async (req) => {
    const id = await owner(req);
    const page = pageOf(req);
    const keys = await db.credentials.listApiKeys(id, { limit: page.limit, ...optional('after', idCursor(page.after)) });
    return paged(req, keys, page, (k) => String(k.id));
  });
  // A new API key needs the account's password again: a stolen session alone cannot mint a lasting key.
  router.add('POST', '/v1/accounts/:accountId/api-keys', async (req) => {
    const id = await owner(req);
    const label = text(req.body, 'label', MAX_LABEL_LENGTH, false) ?? null;
    await reauthenticate(req, id, text(req.body, 'password', MAX_PASSWORD_LENGTH) ?? '');
    return ok(await db.credentials.createApiKey(id, label), 201);
  });
  router.add('DELETE', '/v1/accounts/:accountId/api-keys/:keyId', async (req) => {
    const id = await owner(req);
    await db.credentials.revokeApiKey(id, idParam(req, 'keyId'));
    return ok(null, 204);
  });

  // --- operator routes ----------------------------------------------------------------
  router.add('GET', '/v1/operator/numbers', async (req) => {
    operator(req);
    const page = pageOf(req);
    const numbers = await db.numbers.listPage({ availableOnly: req.query.get('available') === 'true' }, { limit: page.limit, ...optional('after', page.after) });
    return paged(req, numbers, page, (n) => n.e164);
  });
  router.add('POST', '/v1/operator/numbers', async (req) => {
    operator(req);
    return ok(await db.numbers.add(text(req.body, 'e164', 32) ?? '', kindOf(field(req.body, 'kind', 'string'))), 201);
  });
  router.add('PUT', '/v1/operator/rates/:kind', async (req) => {
    operator(req);
    const perMinute = text(req.body, 'perMinute', 32) ?? '';
    const rate = {
      perMinuteMicros: parseMoney(perMinute),
      ...optional('incrementSeconds', field(req.body, 'incrementSeconds', 'number', false)),
      ...optional('minimumSeconds', field(req.body, 'minimumSeconds', 'number', false)),
    };
    return ok(await db.rates.set(kindOf(req.params.kind), rate));
  });
  router.add('GET', '/v1/operator/rates/:kind', async (req) => {
    operator(req);
    return ok(await db.rates.current(kindOf(req.params.kind)));
  });
  router.add('GET', '/v1/operator/accounts', async (req) => {
    operator(req);
    const page = pageOf(req);
    const accounts = await db.accounts.list({ limit: page.limit, ...optional('after', idCursor(page.after)) });
    return paged(req, accounts, page, (a) => String(a.id));
  });
  router.add('POST', '/v1/operator/accounts', async (req) => {
    operator(req);
    const password = text(req.body, 'password', MAX_PASSWORD_LENGTH, false);
    const created = await db.accounts.create({
      name: text(req.body, 'name', 1000) ?? '',
      email: text(req.body, 'email', 1000) ?? '',
      ...optional('password', password),
    });
    return ok(created, 201);
  });
  router.add('POST', '/v1/operator/accounts/:id/deactivate', async (req) => {
    operator(req);
    return ok(await db.accounts.deactivate(idParam(req, 'id')));
  });
  // The audit log: who changed what, oldest first (?from=&to= dates, paged by id).
  router.add('GET', '/v1/operator/audit', async (req) => {
    operator(req);
    const page = pageOf(req);
    const entries = await db.audit.list({ limit: page.limit, ...optional('after', idCursor(page.after)), ...optional('from', dateParam(req, 'from')), ...optional('to', dateParam(req, 'to')) });
    return paged(req, entries, page, (e) => String(e.id));
  });

  registerRecordingRoutes(router, { db, owner, roomNumberOf: async (accountId) => (await roomOf(accountId)).number, recordingsDir: deps.recordingsDir, recording: deps.recording, page: pageOf });
  registerOrganizationRoutes(router, { db, mailer, log, owner, operator, reauthenticate, callerRetentionDays: deps.callerRetentionDays ?? DEFAULT_CALLER_RETENTION_DAYS, recordingsDir: deps.recordingsDir, page: pageOf });
}

/** PATCH room's "announcements": an object of true/false settings (db/ checks the names). */
function announcementsField(body: unknown): Record<string, boolean> | undefined {
  const value = typeof body === 'object' && body !== null && Object.hasOwn(body, 'announcements') ? (body as Record<string, unknown>).announcements : undefined;
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, 'BadField', '"announcements" must be an object such as {"joinLeaveTones": false, "recordNames": true}');
  }
  const settings: Record<string, boolean> = {};
  for (const [name, setting] of Object.entries(value)) {
    if (typeof setting !== 'boolean') throw new HttpError(400, 'BadField', `"announcements.${name.slice(0, 40)}" must be true or false`);
    settings[name] = setting;
  }
  return settings;
}

/** PATCH room's "spendCap": {"monthly": "25.00", "graceSeconds": 300} (grace absent or null: calls in progress finish), or null: no cap. */
function spendCapField(body: unknown): SpendCap | null | undefined {
  const value = typeof body === 'object' && body !== null && Object.hasOwn(body, 'spendCap') ? (body as Record<string, unknown>).spendCap : undefined;
  if (value === undefined || value === null) return value;
  if (typeof value !== 'object' || Array.isArray(value)) throw new HttpError(400, 'BadField', '"spendCap" must be null or an object such as {"monthly": "25.00", "graceSeconds": 300}');
  const monthly = text(value, 'monthly', 32);
  const grace = Object.hasOwn(value, 'graceSeconds') ? (value as Record<string, unknown>).graceSeconds : null;
  if (grace !== null && typeof grace !== 'number') throw new HttpError(400, 'BadField', '"spendCap.graceSeconds" must be a number of seconds, or null (calls in progress finish)');
  return { monthlyMicros: parseMoney(monthly ?? ''), graceSeconds: grace };
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
