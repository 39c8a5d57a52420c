// Organization and "my data" routes. The same authorization as every owner route: a token
// reaches only /v1/accounts/<its own id>/...; an administrator reaches the members of their own
// organization only (any other account: 403), and never a member's own routes.
import type { Logger } from 'pino';
import type { Database } from '../db/index.js';
import { MAX_PASSWORD_LENGTH } from '../db/passwords.js';
import type { Mailer } from '../app/accounts/mailer.js';
import { inviteMember } from '../app/accounts/organizations.js';
import { runRetention } from '../app/accounts/retention.js';
import { eraseRecordingsOf } from '../app/accounts/recording-retention.js';
import { HttpError, field, ok, text, type Request, type Router } from './http.js';

export interface OrganizationRouteDeps {
  db: Database;
  mailer: Mailer;
  log: Logger;
  /** The account id of the request's token, which must be the one in the path (else 403). */
  owner: (req: Request) => Promise<number>;
  /** Throws 403 unless the request carries the operator token. */
  operator: (req: Request) => void;
  /** Throws 403 (under the sign-in backoff) unless this is the account's password. */
  reauthenticate: (req: Request, accountId: number, password: string) => Promise<void>;
  /** Days caller numbers are kept in the ledger (TOLLBRIDGE_CALLER_RETENTION_DAYS). */
  callerRetentionDays: number;
  /** Where conference recordings are (TOLLBRIDGE_RECORDINGS_DIR): an erased account's go too. */
  recordingsDir?: string | undefined;
  /** The request's ?limit= and ?after= (as every list route reads them). */
  page: (req: Request) => { limit: number; after: string | undefined };
}

function memberParam(req: Request): number {
  const raw = req.params.memberId ?? '';
  if (!/^[1-9]\d{0,14}$/.test(raw)) throw new HttpError(404, 'NotFound', 'no such member');
  return Number(raw);
}

function periodParam(req: Request): string | undefined {
  const raw = req.query.get('period');
  return raw === null || raw === '' ? undefined : raw.slice(0, 20);
}

export function registerOrganizationRoutes(router: Router, deps: OrganizationRouteDeps): void {
  const { db, mailer, log, owner, operator, reauthenticate } = deps;

  /** The request's account, which must be an organization (its administrator's token). */
  const administrator = async (req: Request): Promise<number> => {
    const id = await owner(req);
    const account = await db.accounts.get(id);
    if (account.kind !== 'organization') throw new HttpError(403, 'Forbidden', 'only an organization\'s administrator may do this');
    return id;
  };
  /** A member of the administrator's organization; anyone else is out of reach (403). */
  const ownMember = async (req: Request, orgId: number, everMember: boolean): Promise<number> => {
    const memberId = memberParam(req);
    const reach = everMember
      ? (await db.knex('organization_members').where({ organization_id: orgId, account_id: memberId }).first<{ id: number } | undefined>('id')) !== undefined
      : await db.organizations.isMember(orgId, memberId);
    if (!reach) throw new HttpError(403, 'Forbidden', 'an administrator reaches only the members of their own organization');
    return memberId;
  };

  // An administrator: the organization, its join code and members. A member: which organization.
  router.add('GET', '/v1/accounts/:accountId/organization', async (req) => {
    const id = await owner(req);
    const account = await db.accounts.get(id);
    if (account.kind === 'organization') return ok(await db.organizations.get(id));
    if (account.organizationId === null) throw new HttpError(404, 'NotAMember', 'this account is in no organization');
    const org = await db.accounts.get(account.organizationId);
    // The organization's numbers reach the member's room: the member dials them.
    const numbers = (await db.numbers.subscriptionsFor(org.id)).filter((s) => s.endedAt === null).map((s) => s.e164);
    return ok({ organization: { id: org.id, name: org.name, numbers } });
  });
  router.add('GET', '/v1/accounts/:accountId/organization/members', async (req) => ok(await db.organizations.members(await administrator(req))));
  router.add('POST', '/v1/accounts/:accountId/organization/invites', async (req) => {
    const orgId = await administrator(req);
    return ok(await inviteMember(db, mailer, log, orgId, text(req.body, 'email', 320) ?? ''), 201);
  });
  // A new join code: the old one stops working (members and pending invitations stay). A removal replaces it too.
  router.add('POST', '/v1/accounts/:accountId/organization/join-code', async (req) => ok({ joinCode: await db.organizations.replaceJoinCode(await administrator(req)) }));
  router.add('DELETE', '/v1/accounts/:accountId/organization/members/:memberId', async (req) => {
    const orgId = await administrator(req);
    // The join code is replaced (the removed member knew it): GET /organization shows the new one.
    await db.organizations.remove(orgId, await ownMember(req, orgId, false));
    return ok(null, 204);
  });
  // A member's usage billed to the organization (?period=YYYY-MM), also after they left.
  router.add('GET', '/v1/accounts/:accountId/organization/members/:memberId/usage', async (req) => {
    const orgId = await administrator(req);
    return ok(await db.organizations.memberUsage(orgId, await ownMember(req, orgId, true), periodParam(req)));
  });
  // A personal account joins with {"code"} or {"invite"}.
  router.add('POST', '/v1/accounts/:accountId/organization/join', async (req) => {
    const id = await owner(req);
    const code = text(req.body, 'code', 32, false);
    const invite = text(req.body, 'invite', 100, false);
    if ((code === undefined) === (invite === undefined)) throw new HttpError(400, 'BadField', 'send either "code" (the organization\'s join code) or "invite" (the token of an invitation)');
    const org = code !== undefined ? await db.organizations.joinByCode(id, code) : await db.organizations.acceptInvite(id, invite ?? '');
    return ok({ organization: { id: org.account.id, name: org.account.name } });
  });
  // A member leaves: the room stays theirs; usage until now stays on the organization's statement.
  router.add('DELETE', '/v1/accounts/:accountId/organization', async (req) => {
    await db.organizations.leave(await owner(req));
    return ok(null, 204);
  });

  // --- my data ------------------------------------------------------------------------
  router.add('GET', '/v1/accounts/:accountId/export', async (req) => ok(await db.personalData.exportAccount(await owner(req))));
  // Deletion for good (a body, so POST): {"password", "confirm": true}; the room number is never issued again, billing entries stay without personal fields.
  router.add('POST', '/v1/accounts/:accountId/erasure', async (req) => {
    const id = await owner(req);
    if (field(req.body, 'confirm', 'boolean', false) !== true) throw new HttpError(400, 'BadField', 'deleting an account is for good: send {"password": "...", "confirm": true}');
    await reauthenticate(req, id, text(req.body, 'password', MAX_PASSWORD_LENGTH) ?? '');
    const erased = await db.personalData.eraseAccount(id);
    await eraseRecordingsOf(db, deps.recordingsDir, id, log);
    const [room] = await db.rooms.forAccount(id);
    return ok({ accountId: erased.id, erasedAt: erased.erasedAt, retiredRoomNumber: room?.number ?? null });
  });

  // --- operator -----------------------------------------------------------------------
  // Every organization with its member count, by id (?limit=, ?after=<last id>; a full page links to the next).
  router.add('GET', '/v1/operator/organizations', async (req) => {
    operator(req);
    const page = deps.page(req);
    if (page.after !== undefined && !/^\d{1,15}$/.test(page.after)) throw new HttpError(400, 'BadQuery', '"after" is the last id of the previous page');
    const items = await db.organizations.list({ limit: page.limit, ...(page.after === undefined ? {} : { after: Number(page.after) }) });
    const last = items[items.length - 1];
    if (items.length < page.limit || last === undefined) return ok(items);
    return ok(items, 200, { link: `<${req.path}?limit=${page.limit}&after=${last.account.id}>; rel="next"` });
  });
  router.add('POST', '/v1/operator/organizations', async (req) => {
    operator(req);
    const password = text(req.body, 'password', MAX_PASSWORD_LENGTH, false);
    return ok(await db.organizations.create({ name: text(req.body, 'name', 1000) ?? '', email: text(req.body, 'email', 1000) ?? '', ...(password === undefined ? {} : { password }) }), 201);
  });
  router.add('GET', '/v1/operator/organizations/:id', async (req) => {
    operator(req);
    const raw = req.params.id ?? '';
    if (!/^[1-9]\d{0,14}$/.test(raw)) throw new HttpError(404, 'NotFound', 'no such organization');
    return ok(await db.organizations.get(Number(raw)));
  });
  // Retention now (the running process also does it daily): caller numbers of legs answered more than the retention ago are erased.
  router.add('POST', '/v1/operator/retention/run', async (req) => {
    operator(req);
    return ok(await runRetention(db, deps.callerRetentionDays, log));
  });
}
