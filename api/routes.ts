// The API's routes. Owners authenticate with a session token (POST /v1/sessions) or an API key,
// as "Authorization: Bearer <token>", and reach only /v1/accounts/<their id>/...; another
// account's id gets 403. Operators use the operator token (TOLLBRIDGE_OPERATOR_TOKEN) on
// /v1/operator/... .
import type { Logger } from 'pino';
import type { Database, ModeratorLeave, NumberKind } from '../db/index.js';
import { parseMoney } from '../db/money.js';
import type { Mailer } from '../app/mailer.js';
import { unsubscribe } from '../app/subscriptions.js';
import { HttpError, field, ok, type Request, type Router } from './http.js';
import { openApiDocument } from './openapi.js';
import { checkHealth, type HealthSources } from './health.js';

export interface ApiDeps {
  db: Database;
  mailer: Mailer;
  log: Logger;
  operatorToken: string;
  /** What GET /health reports beyond the database (none for `tollbridge api`). */
  health?: HealthSources;
  /** Bound on the health check's database query (default HEALTH_DB_TIMEOUT_MS). */
  healthTimeoutMs?: number;
}

function bearer(req: Request): string {
  const header = req.headers.authorization ?? '';
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (m === null) throw new HttpError(401, 'Unauthenticated', 'send "Authorization: Bearer <token>" (POST /v1/sessions gives a token)');
  return m[1] as string;
}

const KINDS: NumberKind[] = ['toll_free', 'local'];
const POLICIES: ModeratorLeave[] = ['end', 'continue', 'wait'];

function kindOf(value: string | undefined): NumberKind {
  if (value === undefined || !KINDS.includes(value as NumberKind)) throw new HttpError(400, 'BadField', '"kind" must be toll_free or local');
  return value as NumberKind;
}

function dateParam(req: Request, name: string): number | undefined {
  const raw = req.query.get(name);
  if (raw === null || raw === '') return undefined;
  const ms = /^\d{4}-\d\d-\d\d$/.test(raw) ? Date.parse(`${raw}T00:00:00Z`) : Date.parse(raw);
  if (Number.isNaN(ms)) throw new HttpError(400, 'BadQuery', `"${name}" must be a date (YYYY-MM-DD) or an ISO timestamp`);
  return ms;
}

export function registerRoutes(router: Router, deps: ApiDeps): void {
  const { db, mailer, log } = deps;

  /** The account the token is for, which must be the one in the path. */
  const owner = async (req: Request): Promise<number> => {
    const accountId = await db.credentials.accountFor(bearer(req));
    if (accountId === null) throw new HttpError(401, 'Unauthenticated', 'the token is unknown, expired or revoked');
    if (String(accountId) !== req.params.accountId) throw new HttpError(403, 'Forbidden', 'a token reaches only its own account');
    return accountId;
  };
  const operator = (req: Request): void => {
    if (deps.operatorToken === '') throw new HttpError(403, 'Forbidden', 'operator routes are closed: set TOLLBRIDGE_OPERATOR_TOKEN');
    if (bearer(req) !== deps.operatorToken) throw new HttpError(403, 'Forbidden', 'operator routes need the operator token');
  };
  const roomOf = async (accountId: number) => {
    const [room] = await db.rooms.forAccount(accountId);
    if (room === undefined) throw new HttpError(404, 'RoomNotFound', 'this account has no room');
    return room;
  };

  router.add('GET', '/openapi.json', async () => ok(openApiDocument(router.list())));

  // No authentication: supervisors poll it. 503 when this process cannot take calls.
  router.add('GET', '/health', async () => {
    const report = await checkHealth(db.knex, deps.health ?? {}, deps.healthTimeoutMs, (err) => log.warn({ err }, 'health check: database query failed'));
    return ok(report, report.status === 'ok' ? 200 : 503);
  });

  router.add('POST', '/v1/sessions', async (req) => {
    const account = await db.accounts.verifyPassword(field(req.body, 'email', 'string') ?? '', field(req.body, 'password', 'string') ?? '');
    if (account === null) throw new HttpError(401, 'BadCredentials', 'wrong e-mail or password, or the account is deactivated');
    const session = await db.credentials.session(account.id);
    return ok({ token: session.token, accountId: account.id }, 201);
  });

  // --- owner routes -------------------------------------------------------------------
  router.add('GET', '/v1/accounts/:accountId', async (req) => {
    const id = await owner(req);
    return ok({ account: await db.accounts.get(id), room: await roomOf(id) });
  });
  router.add('GET', '/v1/accounts/:accountId/room', async (req) => ok(await roomOf(await owner(req))));
  router.add('PATCH', '/v1/accounts/:accountId/room', async (req) => {
    const room = await roomOf(await owner(req));
    if (typeof req.body === 'object' && req.body !== null && 'number' in req.body) {
      throw new HttpError(400, 'RoomNumberPermanent', 'a room number is permanent and cannot be changed');
    }
    const onModeratorLeave = field(req.body, 'onModeratorLeave', 'string', false);
    if (onModeratorLeave !== undefined && !POLICIES.includes(onModeratorLeave as ModeratorLeave)) {
      throw new HttpError(400, 'BadField', '"onModeratorLeave" must be end, continue or wait');
    }
    const settings = {
      ...(onModeratorLeave === undefined ? {} : { onModeratorLeave: onModeratorLeave as ModeratorLeave }),
      ...optional('language', field(req.body, 'language', 'string', false)),
      ...optional('locked', field(req.body, 'locked', 'boolean', false)),
      ...optional('maxParticipants', field(req.body, 'maxParticipants', 'number', false)),
    };
    return ok(await db.rooms.updateSettings(room.number, settings));
  });
  router.add('PUT', '/v1/accounts/:accountId/room/pins', async (req) => {
    const room = await roomOf(await owner(req));
    const moderator = field(req.body, 'moderator', 'string') ?? '';
    const participant = field(req.body, 'participant', 'string') ?? '';
    return ok(await db.rooms.setPins(room.number, { moderator, participant }));
  });
  router.add('GET', '/v1/accounts/:accountId/numbers/available', async (req) => {
    await owner(req);
    return ok(await db.numbers.list({ availableOnly: true, kind: 'toll_free' }));
  });
  router.add('GET', '/v1/accounts/:accountId/subscriptions', async (req) => ok(await db.numbers.subscriptionsFor(await owner(req))));
  router.add('POST', '/v1/accounts/:accountId/subscriptions', async (req) => {
    const id = await owner(req);
    return ok(await db.numbers.subscribe(field(req.body, 'e164', 'string') ?? '', id), 201);
  });
  router.add('DELETE', '/v1/accounts/:accountId/subscriptions/:e164', async (req) => {
    const id = await owner(req);
    return ok(await unsubscribe(db, mailer, log, req.params.e164 ?? '', id));
  });
  router.add('GET', '/v1/accounts/:accountId/usage', async (req) => {
    const id = await owner(req);
    const from = dateParam(req, 'from');
    const to = dateParam(req, 'to');
    return ok(await db.ledger.legsFor(id, { ...optional('from', from), ...optional('to', to) }));
  });
  router.add('GET', '/v1/accounts/:accountId/statements/:period', async (req) => {
    const id = await owner(req);
    const statement = await db.statements.build(id, req.params.period ?? '');
    if (req.query.get('format') === 'csv' || (req.headers.accept ?? '').includes('text/csv')) {
      return { status: 200, text: db.statements.toCsv(statement), contentType: 'text/csv; charset=utf-8' };
    }
    return ok(statement);
  });
  router.add('GET', '/v1/accounts/:accountId/api-keys', async (req) => ok(await db.credentials.listApiKeys(await owner(req))));
  router.add('POST', '/v1/accounts/:accountId/api-keys', async (req) => {
    const id = await owner(req);
    const label = field(req.body, 'label', 'string', false) ?? null;
    return ok(await db.credentials.createApiKey(id, label), 201);
  });
  router.add('DELETE', '/v1/accounts/:accountId/api-keys/:keyId', async (req) => {
    const id = await owner(req);
    await db.credentials.revokeApiKey(id, Number(req.params.keyId));
    return ok(null, 204);
  });

  // --- operator routes ----------------------------------------------------------------
  router.add('GET', '/v1/operator/numbers', async (req) => {
    operator(req);
    return ok(await db.numbers.list({ availableOnly: req.query.get('available') === 'true' }));
  });
  router.add('POST', '/v1/operator/numbers', async (req) => {
    operator(req);
    return ok(await db.numbers.add(field(req.body, 'e164', 'string') ?? '', kindOf(field(req.body, 'kind', 'string'))), 201);
  });
  router.add('PUT', '/v1/operator/rates/:kind', async (req) => {
    operator(req);
    const perMinute = field(req.body, 'perMinute', 'string') ?? '';
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
    return ok(await db.accounts.list());
  });
  router.add('POST', '/v1/operator/accounts', async (req) => {
    operator(req);
    const password = field(req.body, 'password', 'string', false);
    const created = await db.accounts.create({
      name: field(req.body, 'name', 'string') ?? '',
      email: field(req.body, 'email', 'string') ?? '',
      ...optional('password', password),
    });
    return ok(created, 201);
  });
  router.add('POST', '/v1/operator/accounts/:id/deactivate', async (req) => {
    operator(req);
    return ok(await db.accounts.deactivate(Number(req.params.id)));
  });
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
