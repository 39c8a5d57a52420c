// The API's routes. Owners authenticate with a session token (POST /v1/sessions) or an API key,
// as "Authorization: Bearer <token>", and reach only /v1/accounts/<their id>/...; another
// account's id gets 403. Operators use the operator token (TOLLBRIDGE_OPERATOR_TOKEN) on
// /v1/operator/... . Every list is paged (?limit=, ?after=; a full page has a Link to the next).
// Each route declares its path, query and body schemas (zod, strict: an unknown field is a 400
// naming it) and its answers; GET /openapi.json is built from them (api/openapi.ts).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import { DEFAULT_CALLER_RETENTION_DAYS, type Credential, type Database, type Room } from '../db/index.js';
import { maskEmail, normaliseEmail } from '../domain/email.js';
import { formatMoney, parseMoney } from '../domain/money.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../db/passwords.js';
import { MAX_LABEL_LENGTH } from '../db/repositories/credentials.js';
import type { Mailer } from '../app/accounts/mailer.js';
import { unsubscribe, usageShown } from '../app/accounts/subscriptions.js';
import { roomSpend } from '../app/accounts/room-spend.js';
import { DEFAULT_SIGNIN_LIMITS, SigninBackoff, type SigninLimits } from './backoff.js';
import { HttpError, OPEN, ok, type Auth, type Reply, type Request, type Router } from './http.js';
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
import {
  AccountAnswer,
  ApiKeyAnswer,
  AuditEntryAnswer,
  DEFAULT_PAGE,
  HealthAnswer,
  LedgerEntryAnswer,
  MAX_PAGE,
  ModeratorLeaveSchema,
  NewAccountBody,
  NumberKindSchema,
  PhoneNumberAnswer,
  RateAnswer,
  RateKindSchema,
  RoomAnswer,
  roomShown,
  StatementAnswer,
  SubscriptionAnswer,
  UsageAnswer,
  dateQuery,
  idPageQuery,
  json,
  limitQuery,
  noContent,
  ownerParams,
  pathId,
} from './schemas.js';
import { domainValue, refusal, refusedAs } from './validation.js';

export { DEFAULT_PAGE, MAX_PAGE };

/** How long an operator session lasts (the operator's web pages). */
export const OPERATOR_SESSION_MS = 8 * 3600_000;

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

/** A page's size and cursor, as the handler's parsed query has them. */
interface PageQuery<C> {
  limit?: number | undefined;
  after?: C | undefined;
}

/** A page of items; a full page links to the next. */
function paged<T>(req: Request, items: T[], page: { limit?: number | undefined }, cursorOf: (item: T) => string): Reply {
  const limit = page.limit ?? DEFAULT_PAGE;
  const last = items[items.length - 1];
  if (items.length < limit || last === undefined) return ok(items);
  const next = new URLSearchParams(req.query);
  next.set('limit', String(limit));
  next.set('after', cursorOf(last));
  return ok(items, 200, { link: `<${req.path}?${next.toString()}>; rel="next"` });
}

/** A repository's page option from the parsed query. */
const pageOption = <C>(page: PageQuery<C>) => ({ limit: page.limit ?? DEFAULT_PAGE, ...optional('after', page.after) });

// --- request schemas shared by several routes ----------------------------------------------
const email = z.string().max(320);
const password = z.string().max(MAX_PASSWORD_LENGTH);
const e164 = z.string().max(32).meta({ description: 'E.164, e.g. +18005550142' });
/** ?limit=&after=<e164 of the last number>. */
const numberPageQuery = { limit: limitQuery, after: z.string().max(100).meta({ description: 'The e164 of the previous page\'s last number.' }).optional() };
const rateKindParam = refusedAs(RateKindSchema, { code: 'BadField', status: 400, message: '"kind" must be toll_free, local or callback' });
/** A subscribed number in the path (%2B for the +). */
const e164Params = z.strictObject({ accountId: ownerParams.shape.accountId, e164: refusedAs(z.string().max(32), { code: 'NotSubscribed', message: 'no such subscribed number' }) });

const SESSION_ANSWER = z.strictObject({ token: z.string(), accountId: z.number().int() });
const REVOKED_SESSIONS = z.strictObject({ revokedSessions: z.number().int() });
const ACCEPTED = z.strictObject({ status: z.string() });

export function registerRoutes(router: Router, deps: ApiDeps): void {
  const { db, mailer, log } = deps;
  const now = deps.now ?? Date.now;
  const limits = deps.signinLimits ?? DEFAULT_SIGNIN_LIMITS;
  // In the database: every API process on it counts the same failures.
  const backoff = new SigninBackoff(db.signinFailures, limits, log, now);

  /** The live credential of the request, which must be for the account in the path. */
  const ownerCredential: Auth<Credential> = {
    schemes: ['session', 'apiKey'],
    check: async (req) => {
      const credential = await db.credentials.credentialFor(bearer(req));
      if (credential === null) throw new HttpError(401, 'Unauthenticated', 'the token is unknown, expired or revoked');
      req.actor = `account:${credential.accountId}`;
      if (String(credential.accountId) !== req.params.accountId) throw new HttpError(403, 'Forbidden', 'a token reaches only its own account');
      return credential;
    },
  };
  /** The account id of the request's credential (the one in the path). */
  const owner: Auth<number> = { schemes: ownerCredential.schemes, check: async (req) => (await ownerCredential.check(req)).accountId };
  /** The operator token itself, or an operator session opened with it (POST /v1/operator/sessions): which, and until when. */
  type OperatorCredential = { kind: 'token'; expiresAt: null } | { kind: 'session'; token: string; expiresAt: number };
  const operatorCredential = (tokenOnly: boolean): Auth<OperatorCredential> => ({
    schemes: ['operator'],
    check: async (req) => {
      if (deps.operatorToken === '') throw new HttpError(403, 'Forbidden', 'operator routes are closed: set TOLLBRIDGE_OPERATOR_TOKEN');
      const token = bearer(req);
      if (sameSecret(token, deps.operatorToken)) {
        req.actor = 'operator';
        return { kind: 'token', expiresAt: null };
      }
      const expiresAt = tokenOnly || token === '' ? null : await db.operatorSessions.expiresAt(token, deps.operatorToken);
      if (expiresAt === null) throw new HttpError(403, 'Forbidden', tokenOnly ? 'this route needs the operator token itself' : 'operator routes need the operator token or a live operator session');
      req.actor = 'operator';
      return { kind: 'session', token, expiresAt };
    },
  });
  const operator: Auth<OperatorCredential> = operatorCredential(false);
  /** Any live credential (session or API key) of any account: the routes on /v1/sessions/current. */
  const anyCredential = (schemes: Auth<Credential>['schemes']): Auth<Credential> => ({
    schemes,
    check: async (req) => {
      const credential = await db.credentials.credentialFor(bearer(req));
      if (credential === null) throw new HttpError(401, 'Unauthenticated', 'the token is unknown, expired or revoked');
      return credential;
    },
  });
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

  /** An owner's list of things with ids, paged by id (?limit=, ?after=<last id>). */
  const ownerList = <T extends { id: number }>(name: string, description: string, item: z.ZodType, list: (accountId: number, page: { limit: number; after?: number }) => Promise<T[]>) =>
    router.endpoint({
      method: 'GET',
      path: `/v1/accounts/:accountId/${name}`,
      auth: owner,
      params: ownerParams,
      query: idPageQuery,
      answers: { 200: json(description, z.array(item)) },
      handler: async ({ req, auth: id, query }) => paged(req, await list(id, pageOption(query)), query, (x) => String(x.id)),
    });

  router.endpoint({
    method: 'GET',
    path: '/openapi.json',
    auth: OPEN,
    answers: { 200: { description: 'This document (OpenAPI 3.1).', media: ['application/json'] } },
    handler: async () => ok(openApiDocument(router.list())),
  });

  // No authentication: supervisors poll it. 503 when this process cannot take calls.
  router.endpoint({
    method: 'GET',
    path: '/health',
    auth: OPEN,
    // Healthy or not, nothing else: a bad Host or method is the router's answer, before any route.
    refuses: false,
    answers: {
      200: json('Can take calls: {"status":"ok","problems":[],"database":{"ok":true},"ari":{"connected":true},"calls":{"live":2,"draining":false}}', HealthAnswer),
      503: json(
        'Cannot take calls: status "unavailable"; problems lists codes (database-unreachable, database-timeout, ari-disconnected, draining; ami-disconnected is reported but tolerated). ari, ami, journal {backlog} and calls appear only where the process has them (`tollbridge api`: database only).',
        HealthAnswer,
      ),
    },
    handler: async () => {
      const report = await checkHealth(db.knex, deps.health ?? {}, deps.healthTimeoutMs, (err) => log.warn({ err }, 'health check: database query failed'));
      return ok(report, report.status === 'ok' ? 200 : 503);
    },
  });

  router.endpoint({
    method: 'POST',
    path: '/v1/sessions',
    auth: {
      schemes: [],
      // Hashing at its bound: refuse before any database work (a flood costs the least here).
      check: () => {
        if (db.passwords.stats().load >= db.passwords.capacity) throw new HttpError(503, 'HashingBusy', 'password hashing is at its limit: try again in a moment', { 'retry-after': '1' });
      },
    },
    body: z.strictObject({ email, password }),
    example: { email: 'ada@example.com', password: 'correct horse battery' },
    answers: { 201: json('A session token (12 h) for the account.', SESSION_ANSWER) },
    handler: async ({ req, body }) => {
      const signedIn: { accountId: number | null } = { accountId: null };
      const good = await checkedPassword(req, body.email, async () => {
        signedIn.accountId = (await db.accounts.verifyPassword(body.email, body.password))?.id ?? null;
        return signedIn.accountId !== null;
      });
      const accountId = signedIn.accountId;
      if (!good || accountId === null) throw new HttpError(401, 'BadCredentials', 'wrong e-mail or password, or the account is deactivated');
      const session = await db.credentials.session(accountId);
      req.actor = `account:${accountId}`;
      return ok({ token: session.token, accountId }, 201);
    },
  });
  // Logout: the session token of the request is revoked.
  router.endpoint({
    method: 'DELETE',
    path: '/v1/sessions/current',
    auth: anyCredential(['session']),
    answers: { 204: noContent },
    handler: async ({ req, auth: credential }) => {
      req.actor = `account:${credential.accountId}`;
      if (credential.kind !== 'session') throw new HttpError(400, 'NotASession', 'this is an API key: revoke it with DELETE /v1/accounts/{id}/api-keys/{keyId}');
      await db.credentials.revoke(credential.id);
      return ok(null, 204);
    },
  });

  // Whose token this is (the web pages find the account of their session cookie here).
  router.endpoint({
    method: 'GET',
    path: '/v1/sessions/current',
    auth: anyCredential(['session', 'apiKey']),
    answers: { 200: json('The account the token is for, and whether it is a session or an API key.', z.strictObject({ accountId: z.number().int(), kind: z.enum(['session', 'api_key']) })) },
    handler: async ({ auth: credential }) => ok({ accountId: credential.accountId, kind: credential.kind }),
  });

  // --- links by e-mail: forgotten password, new e-mail address --------------------------
  const linkBase = (req: Request) => deps.publicUrl ?? `${req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`;
  /** Sent after the reply, so neither timing nor a mail failure tells whether the account exists. */
  const mailLater = (mail: { to: string; subject: string; text: string }, accountId: number) => {
    void mailer.send(mail).catch((err: unknown) => log.error({ err, accountId }, 'account link mail failed'));
  };
  const resetMailedAt = new Map<number, number>();
  // A forgotten password: the same answer whether or not the address has an account.
  router.endpoint({
    method: 'POST',
    path: '/v1/password-resets',
    auth: OPEN,
    body: z.strictObject({ email }),
    example: { email: 'ada@example.com' },
    answers: { 202: json('The same answer whether or not the address has an account.', ACCEPTED) },
    handler: async ({ req, body }) => {
      const account = await db.accounts.findByEmail(body.email);
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
    },
  });
  router.endpoint({
    method: 'POST',
    path: '/v1/password-resets/confirm',
    auth: OPEN,
    body: z.strictObject({
      token: z.string().max(200),
      // Checked before the link is used up, so a too-short password does not cost the link.
      newPassword: password.refine((p) => p.length >= MIN_PASSWORD_LENGTH, refusal('InvalidPassword', `a password needs at least ${MIN_PASSWORD_LENGTH} characters: choose a longer one`)),
    }),
    example: { token: 'the token from the mailed link', newPassword: 'a new long passphrase' },
    answers: { 200: json('The new password is set; every session of the account ended.', z.strictObject({ accountId: z.number().int(), revokedSessions: z.number().int() })) },
    handler: async ({ req, body }) => {
      const link = await db.accountLinks.use(body.token, 'password_reset');
      req.actor = `account:${link.accountId}`;
      await db.accounts.setPassword(link.accountId, body.newPassword);
      const revoked = await db.credentials.revokeSessions(link.accountId);
      return ok({ accountId: link.accountId, revokedSessions: revoked });
    },
  });
  router.endpoint({
    method: 'POST',
    path: '/v1/email-changes/confirm',
    auth: OPEN,
    body: z.strictObject({ token: z.string().max(200) }),
    example: { token: 'the token from the mailed link' },
    answers: { 200: json('The account with its new address.', AccountAnswer) },
    handler: async ({ req, body }) => {
      const link = await db.accountLinks.use(body.token, 'email_change');
      req.actor = `account:${link.accountId}`;
      return ok(await db.accounts.changeEmail(link.accountId, link.newEmail ?? ''));
    },
  });

  // --- owner routes -------------------------------------------------------------------
  router.endpoint({
    method: 'GET',
    path: '/v1/accounts/:accountId',
    auth: owner,
    params: ownerParams,
    answers: { 200: json('The account and its room (null for an organization).', z.strictObject({ account: AccountAnswer, room: RoomAnswer.nullable() })) },
    handler: async ({ auth: id }) => {
      const account = await db.accounts.get(id);
      // An organization's account has no room (its administrator joins no calls).
      return ok({ account, room: account.kind === 'organization' ? null : roomShown(await roomOf(id)) });
    },
  });
  // Every session of the account ends (API keys stay).
  router.endpoint({
    method: 'DELETE',
    path: '/v1/accounts/:accountId/sessions',
    auth: owner,
    params: ownerParams,
    answers: { 200: json('How many sessions ended (API keys stay).', REVOKED_SESSIONS) },
    handler: async ({ auth: id }) => ok({ revokedSessions: await db.credentials.revokeSessions(id) }),
  });
  router.endpoint({
    method: 'PUT',
    path: '/v1/accounts/:accountId/password',
    auth: ownerCredential,
    params: ownerParams,
    body: z.strictObject({ currentPassword: password, newPassword: password }),
    example: { currentPassword: 'correct horse battery', newPassword: 'a new long passphrase' },
    answers: { 200: json('The password is changed; the account\'s other sessions ended.', REVOKED_SESSIONS) },
    handler: async ({ req, auth: credential, body }) => {
      await reauthenticate(req, credential.accountId, body.currentPassword);
      await db.accounts.setPassword(credential.accountId, body.newPassword);
      const revoked = await db.credentials.revokeSessions(credential.accountId, credential.kind === 'session' ? credential.id : undefined);
      return ok({ revokedSessions: revoked });
    },
  });
  // A new e-mail address takes effect when the link sent to it is opened (needs the password).
  router.endpoint({
    method: 'POST',
    path: '/v1/accounts/:accountId/email',
    auth: owner,
    params: ownerParams,
    body: z.strictObject({ newEmail: email, password }),
    example: { newEmail: 'ada@example.org', password: 'correct horse battery' },
    answers: { 202: json('A confirmation link was mailed to the new address; the account keeps the old one until it is opened.', z.strictObject({ status: z.string(), newEmail: z.string() })) },
    handler: async ({ req, auth: id, body }) => {
      const newEmail = normaliseEmail(body.newEmail);
      await reauthenticate(req, id, body.password);
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
    },
  });
  /** The room with what its calls cost this month (open legs up to now) against its spend cap. */
  const withSpend = async (room: Room) => {
    const spend = await roomSpend(db, room, now());
    return { ...roomShown(room), spend: { period: spend.period, spentMicros: spend.spentMicros, spent: formatMoney(spend.spentMicros, 6), level: spend.level } };
  };
  router.endpoint({
    method: 'GET',
    path: '/v1/accounts/:accountId/room',
    auth: owner,
    params: ownerParams,
    answers: { 200: json('The room: its permanent number and settings, with what its calls cost this month against its spend cap.', RoomAnswer) },
    handler: async ({ auth: id }) => ok(await withSpend(await roomOf(id))),
  });
  // Live event streams end with the session or key that opened them.
  const streams = new CredentialStreams(db.credentials, log, { now });
  registerLiveRoutes(router, deps.live, { ownerCredential, roomOf, holdWhileLive: (credential, end) => streams.hold(credential, end) });
  router.endpoint({
    method: 'PATCH',
    path: '/v1/accounts/:accountId/room',
    auth: owner,
    params: ownerParams,
    body: z.strictObject({
      // A room number is permanent: sending one is refused whatever its value.
      number: refusedAs(z.never().meta({ description: 'Refused (400 RoomNumberPermanent): a room number is permanent.' }), {
        code: 'RoomNumberPermanent',
        message: 'a room number is permanent and cannot be changed',
      }).optional(),
      onModeratorLeave: ModeratorLeaveSchema.meta({ description: 'When the last moderator leaves: end the conference, continue it, or wait (participants back on hold).' }).optional(),
      language: z.string().max(10).meta({ description: 'The prompts\' language: en, es, fr, it, ru and any the operator installed.' }).optional(),
      locked: z.boolean().optional(),
      callback: z.boolean().meta({ description: 'Whether a participant waiting for the moderator may hang up and be called back when one arrives (charged to you at the callback rate).' }).optional(),
      // Out of range: the domain's code and message, as the CLI says it.
      maxParticipants: refusedAs(z.int().min(2).max(1000), { code: 'InvalidRoomSettings', message: 'max participants must be a whole number from 2 to 1000', issues: ['too_small', 'too_big'] }).optional(),
      announcements: refusedAs(
        z.strictObject({
          joinLeaveTones: z.boolean().optional(),
          announceCount: z.boolean().optional(),
          aloneMusic: z.boolean().optional(),
          recordNames: z.boolean().optional(),
          recordingConsent: z.boolean().optional(),
          keepRecordings: z.boolean().optional(),
        }),
        { code: 'InvalidRoomSettings', issues: ['unrecognized_keys'] },
      ).optional(),
      spendCap: z
        .strictObject({
          monthly: z.string().max(32).transform(domainValue(parseMoney)).meta({ description: 'the most the room\'s toll-free calls and callbacks may cost in a month, e.g. "25.00"' }),
          graceSeconds: z.int().nullable().optional().meta({ description: 'how long calls in progress go on once the cap is reached; null or left out: they finish' }),
        })
        .nullable()
        .meta({ description: 'The room\'s monthly spend cap (null: none). At 80 % a joining moderator hears a warning and the owner gets one e-mail; at 100 % participants are refused.' })
        .optional(),
    }),
    example: { onModeratorLeave: 'wait', language: 'en', locked: false, callback: true, maxParticipants: 50, announcements: { joinLeaveTones: true, recordNames: false }, spendCap: { monthly: '25.00', graceSeconds: 300 } },
    answers: { 200: json('The room with its new settings.', RoomAnswer) },
    handler: async ({ auth: id, body }) => {
      const room = await roomOf(id);
      const { spendCap, callback, ...settings } = body;
      const cap = spendCap === undefined ? {} : { spendCap: spendCap === null ? null : { monthlyMicros: spendCap.monthly, graceSeconds: spendCap.graceSeconds ?? null } };
      return ok(await withSpend(await db.rooms.updateSettings(room.number, { ...settings, ...cap, ...(callback === undefined ? {} : { callbackEnabled: callback }) })));
    },
  });
  router.endpoint({
    method: 'PUT',
    path: '/v1/accounts/:accountId/room/pins',
    auth: owner,
    params: ownerParams,
    body: z.strictObject({
      moderator: z.string().max(32).meta({ description: '4-8 digits (at least TOLLBRIDGE_MODERATOR_PIN_MIN_DIGITS), no easy pattern' }),
      participant: z.string().max(32).meta({ description: '4-8 digits, not the moderator PIN, no easy pattern' }),
    }),
    example: { moderator: '482913', participant: '5732' },
    answers: { 200: json('The room (pinsSet: true).', RoomAnswer) },
    handler: async ({ auth: id, body }) => {
      const room = await roomOf(id);
      return ok(roomShown(await db.rooms.setPins(room.number, body)));
    },
  });
  registerPinLockRoutes(router, { db, owner, roomOf });
  router.endpoint({
    method: 'GET',
    path: '/v1/accounts/:accountId/numbers/available',
    auth: owner,
    params: ownerParams,
    query: z.strictObject(numberPageQuery),
    answers: { 200: json('A page of toll-free numbers free to subscribe to.', z.array(PhoneNumberAnswer)) },
    handler: async ({ req, query }) => {
      const numbers = await db.numbers.listPage({ availableOnly: true, kind: 'toll_free' }, pageOption(query));
      return paged(req, numbers, query, (n) => n.e164);
    },
  });
  ownerList('subscriptions', 'A page of the account\'s subscriptions, past and present.', SubscriptionAnswer, (id, page) => db.numbers.subscriptionsPage(id, page));
  router.endpoint({
    method: 'POST',
    path: '/v1/accounts/:accountId/subscriptions',
    auth: owner,
    params: ownerParams,
    body: z.strictObject({ e164 }),
    example: { e164: '+18005550142' },
    answers: { 201: json('The subscription: the number answers for the room at once.', SubscriptionAnswer) },
    handler: async ({ auth: id, body }) => ok(await db.numbers.subscribe(body.e164, id), 201),
  });
  router.endpoint({
    method: 'DELETE',
    path: '/v1/accounts/:accountId/subscriptions/:e164',
    auth: owner,
    params: e164Params,
    answers: { 200: json('The ended subscription, its usage and charges this period, and whether they were mailed.', z.strictObject({ subscription: SubscriptionAnswer, usage: UsageAnswer, mailed: z.boolean() })) },
    handler: async ({ auth: id, params }) => ok(await unsubscribe(db, mailer, log, params.e164, id)),
  });
  // This month's usage and charges of one subscribed number: what unsubscribing would confirm.
  router.endpoint({
    method: 'GET',
    path: '/v1/accounts/:accountId/subscriptions/:e164/usage',
    auth: owner,
    params: e164Params,
    answers: { 200: json('This period\'s usage and charges of the subscribed number.', UsageAnswer.extend({ e164: z.string() })) },
    handler: async ({ auth: id, params: { e164 } }) => {
      const live = (await db.numbers.subscriptionsFor(id)).find((s) => s.e164 === e164 && s.endedAt === null);
      if (live === undefined) throw new HttpError(404, 'NotSubscribed', `${e164} is not subscribed by this account`);
      return ok({ e164, ...usageShown(await db.ledger.usage(id, { numberId: live.numberId })) });
    },
  });
  router.endpoint({
    method: 'GET',
    path: '/v1/accounts/:accountId/usage',
    auth: owner,
    params: ownerParams,
    query: z.strictObject({
      from: dateQuery('from'),
      to: dateQuery('to'),
      limit: limitQuery,
      after: refusedAs(
        z
          .string()
          .regex(/^\d{1,15}\.\d{1,15}$/)
          .transform((cursor) => {
            const [answeredAt, id] = cursor.split('.').map(Number);
            return { answeredAt: answeredAt ?? 0, id: id ?? 0 };
          })
          .meta({ description: 'The cursor of the previous page (its Link header has it).' }),
        { code: 'BadQuery', message: '"after" is the cursor of the previous page' },
      ).optional(),
    }),
    answers: { 200: json('A page of ledger entries answered from..to (default: the last 31 days; at most 366 days).', z.array(LedgerEntryAnswer)) },
    handler: async ({ req, auth: id, query }) => {
      const to = query.to ?? now() + 1;
      const from = query.from ?? to - DEFAULT_USAGE_RANGE_MS;
      if (from > to) throw new HttpError(400, 'BadQuery', '"from" must not be after "to"');
      if (to - from > MAX_USAGE_RANGE_MS) throw new HttpError(400, 'RangeTooLong', 'a usage query covers at most 366 days: narrow "from" and "to"');
      const legs = await db.ledger.legsFor(id, { from, to, ...pageOption(query) });
      return paged(req, legs, query, (e) => `${e.answeredAt}.${e.id}`);
    },
  });
  router.endpoint({
    method: 'GET',
    path: '/v1/accounts/:accountId/statements/:period',
    auth: owner,
    params: z.strictObject({
      accountId: ownerParams.shape.accountId,
      period: refusedAs(z.string().regex(/^\d{4}-\d{2}$/), { code: 'InvalidPeriod', status: 400, message: 'a period is YYYY-MM, e.g. 2026-11' }),
    }),
    query: z.strictObject({ format: z.enum(['json', 'csv', 'pdf']).meta({ description: 'json (default), csv or pdf; Accept: text/csv or application/pdf does the same.' }).optional() }),
    answers: { 200: { ...json('The statement of the month (provisional until it has ended).', StatementAnswer), media: ['text/csv', 'application/pdf'] } },
    handler: async ({ req, auth: id, params, query }) => {
      const statement = await db.statements.build(id, params.period);
      const accept = req.headers.accept ?? '';
      if (query.format === 'csv' || (query.format === undefined && accept.includes('text/csv'))) {
        return { status: 200, text: db.statements.toCsv(statement), contentType: 'text/csv; charset=utf-8' };
      }
      if (query.format === 'pdf' || (query.format === undefined && accept.includes('application/pdf'))) {
        return { status: 200, bytes: await statementPdf(statement, await db.accounts.get(id)), contentType: 'application/pdf' };
      }
      return ok(statement);
    },
  });
  ownerList('api-keys', 'A page of the account\'s API keys (never their tokens).', ApiKeyAnswer, (id, page) => db.credentials.listApiKeys(id, page));
  // A new API key needs the account's password again: a stolen session alone cannot mint a lasting key.
  router.endpoint({
    method: 'POST',
    path: '/v1/accounts/:accountId/api-keys',
    auth: owner,
    params: ownerParams,
    body: z.strictObject({ label: z.string().max(MAX_LABEL_LENGTH).optional(), password: password.meta({ description: 'the account\'s password, again' }) }),
    example: { label: 'billing script', password: 'correct horse battery' },
    answers: { 201: json('The new key: its token is shown this once.', z.strictObject({ id: z.number().int(), token: z.string() })) },
    handler: async ({ req, auth: id, body }) => {
      await reauthenticate(req, id, body.password);
      return ok(await db.credentials.createApiKey(id, body.label ?? null), 201);
    },
  });
  router.endpoint({
    method: 'DELETE',
    path: '/v1/accounts/:accountId/api-keys/:keyId',
    auth: owner,
    params: z.strictObject({ accountId: ownerParams.shape.accountId, keyId: pathId('keyId') }),
    answers: { 204: noContent },
    handler: async ({ auth: id, params }) => {
      await db.credentials.revokeApiKey(id, params.keyId);
      return ok(null, 204);
    },
  });

  // --- operator routes ----------------------------------------------------------------
  // Sessions for the operator's web pages: kept in the database, so any API process knows them.
  const OperatorSessionAnswer = z.strictObject({ token: z.string(), expiresAt: z.number().int().meta({ description: 'epoch ms' }) });
  router.endpoint({
    method: 'POST',
    path: '/v1/operator/sessions',
    auth: operatorCredential(true),
    answers: { 201: json('A session token for the operator routes, good for 8 hours or until the operator token changes.', OperatorSessionAnswer) },
    handler: async () => ok(await db.operatorSessions.open(deps.operatorToken, OPERATOR_SESSION_MS), 201),
  });
  router.endpoint({
    method: 'GET',
    path: '/v1/operator/sessions/current',
    auth: operator,
    answers: { 200: json('Whether the request used the operator token or a session, and until when a session lasts.', z.strictObject({ kind: z.enum(['token', 'session']), expiresAt: z.number().int().nullable() })) },
    handler: async ({ auth: credential }) => ok({ kind: credential.kind, expiresAt: credential.expiresAt }),
  });
  router.endpoint({
    method: 'DELETE',
    path: '/v1/operator/sessions/current',
    auth: operator,
    answers: { 204: noContent },
    handler: async ({ auth: credential }) => {
      if (credential.kind !== 'session') throw new HttpError(400, 'NotASession', 'this is the operator token itself: change TOLLBRIDGE_OPERATOR_TOKEN to end every session');
      await db.operatorSessions.close(credential.token);
      return ok(null, 204);
    },
  });
  router.endpoint({
    method: 'GET',
    path: '/v1/operator/numbers',
    auth: operator,
    query: z.strictObject({ available: z.enum(['true', 'false']).meta({ description: 'true: only numbers free to subscribe to' }).optional(), ...numberPageQuery }),
    answers: { 200: json('A page of the number inventory.', z.array(PhoneNumberAnswer)) },
    handler: async ({ req, query }) => {
      const numbers = await db.numbers.listPage({ availableOnly: query.available === 'true' }, pageOption(query));
      return paged(req, numbers, query, (n) => n.e164);
    },
  });
  router.endpoint({
    method: 'POST',
    path: '/v1/operator/numbers',
    auth: operator,
    body: z.strictObject({ e164, kind: NumberKindSchema }),
    example: { e164: '+18005550142', kind: 'toll_free' },
    answers: { 201: json('The number, available.', PhoneNumberAnswer) },
    handler: async ({ body }) => ok(await db.numbers.add(body.e164, body.kind), 201),
  });
  const kindParams = z.strictObject({ kind: rateKindParam });
  router.endpoint({
    method: 'PUT',
    path: '/v1/operator/rates/:kind',
    auth: operator,
    params: kindParams,
    body: z.strictObject({
      perMinute: z.string().max(32).transform(domainValue(parseMoney)).meta({ description: 'the price of a minute, e.g. "0.015"' }),
      incrementSeconds: z.number().meta({ description: 'billing increment, 1 to 3600 seconds (default 60)' }).optional(),
      minimumSeconds: z.number().meta({ description: 'least billed seconds, 0 to 86400 (default 0)' }).optional(),
    }),
    example: { perMinute: '0.015', incrementSeconds: 60, minimumSeconds: 0 },
    answers: { 200: json('The rate now in force (for legs answered from now on).', RateAnswer) },
    handler: async ({ params, body }) => {
      const { perMinute, ...rest } = body;
      return ok(await db.rates.set(params.kind, { perMinuteMicros: perMinute, ...rest }));
    },
  });
  router.endpoint({
    method: 'GET',
    path: '/v1/operator/rates/:kind',
    auth: operator,
    params: kindParams,
    answers: { 200: json('The rate in force.', RateAnswer) },
    handler: async ({ params }) => ok(await db.rates.current(params.kind)),
  });
  router.endpoint({
    method: 'GET',
    path: '/v1/operator/accounts',
    auth: operator,
    query: idPageQuery,
    answers: { 200: json('A page of every account, by id.', z.array(AccountAnswer)) },
    handler: async ({ req, query }) => {
      const accounts = await db.accounts.list(pageOption(query));
      return paged(req, accounts, query, (a) => String(a.id));
    },
  });
  router.endpoint({
    method: 'POST',
    path: '/v1/operator/accounts',
    auth: operator,
    body: NewAccountBody,
    example: { name: 'Ada Lovelace', email: 'ada@example.com', password: 'correct horse battery' },
    answers: { 201: json('The account and its room.', z.strictObject({ account: AccountAnswer, room: RoomAnswer })) },
    handler: async ({ body }) => {
      const created = await db.accounts.create(body);
      return ok({ ...created, room: roomShown(created.room) }, 201);
    },
  });
  router.endpoint({
    method: 'POST',
    path: '/v1/operator/accounts/:id/deactivate',
    auth: operator,
    params: z.strictObject({ id: pathId('id') }),
    answers: { 200: json('The deactivated account.', AccountAnswer) },
    handler: async ({ params }) => ok(await db.accounts.deactivate(params.id)),
  });
  // The audit log: who changed what, oldest first (?from=&to= dates, paged by id).
  router.endpoint({
    method: 'GET',
    path: '/v1/operator/audit',
    auth: operator,
    query: idPageQuery.extend({ from: dateQuery('from'), to: dateQuery('to') }),
    answers: { 200: json('A page of the audit log, oldest first.', z.array(AuditEntryAnswer)) },
    handler: async ({ req, query }) => {
      const entries = await db.audit.list({ ...pageOption(query), ...optional('from', query.from), ...optional('to', query.to) });
      return paged(req, entries, query, (e) => String(e.id));
    },
  });

  registerRecordingRoutes(router, { db, owner, roomNumberOf: async (accountId) => (await roomOf(accountId)).number, recordingsDir: deps.recordingsDir, recording: deps.recording });
  registerOrganizationRoutes(router, { db, mailer, log, owner, operator, reauthenticate, callerRetentionDays: deps.callerRetentionDays ?? DEFAULT_CALLER_RETENTION_DAYS, recordingsDir: deps.recordingsDir });
}

/** PATCH room's "spendCap": {"monthly": "25.00", "graceSeconds": 300} (grace absent or null: calls in progress finish), or null: no cap. */

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
