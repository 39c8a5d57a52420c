// Organization and "my data" routes. The same authorization as every owner route: a token
// reaches only /v1/accounts/<its own id>/...; an administrator reaches the members of their own
// organization only (any other account: 403), and never a member's own routes.
import type { Logger } from 'pino';
import type { Database } from '../db/index.js';
import { MAX_PASSWORD_LENGTH } from '../db/passwords.js';
import type { Request } from './http.js';
import type { Mailer } from '../app/accounts/mailer.js';
import { inviteMember } from '../app/accounts/organizations.js';
import { runRetention } from '../app/accounts/retention.js';
import { eraseRecordingsOf } from '../app/accounts/recording-retention.js';
import { z } from 'zod';
import { HttpError, ok, type Auth, type Router } from './http.js';
import { DEFAULT_PAGE, ExportAnswer, NewAccountBody, MemberAnswer, MemberUsageAnswer, OrganizationAnswer, OrganizationSummaryAnswer, idPageQuery, json, noContent, ownerParams, pathId, roomShown } from './schemas.js';
import { refusal } from './validation.js';

export interface OrganizationRouteDeps {
  db: Database;
  mailer: Mailer;
  log: Logger;
  /** The account id of the request's token, which must be the one in the path (else 403). */
  owner: Auth<number>;
  /** 403 unless the request carries the operator token. */
  operator: Auth<unknown>;
  /** Throws 403 (under the sign-in backoff) unless this is the account's password. */
  reauthenticate: (req: Request, accountId: number, password: string) => Promise<void>;
  /** Days caller numbers are kept in the ledger (TOLLBRIDGE_CALLER_RETENTION_DAYS). */
  callerRetentionDays: number;
  /** Where conference recordings are (TOLLBRIDGE_RECORDINGS_DIR): an erased account's go too. */
  recordingsDir?: string | undefined;
}

/** A member of the organization in the path. */
const memberParams = z.strictObject({ accountId: ownerParams.shape.accountId, memberId: pathId('member') });
const JOINED = z.strictObject({ organization: z.strictObject({ id: z.number().int(), name: z.string() }) });

export function registerOrganizationRoutes(router: Router, deps: OrganizationRouteDeps): void {
  const { db, mailer, log, owner, operator, reauthenticate } = deps;

  /** The request's account, which must be an organization (its administrator's token). */
  const administrator: Auth<number> = {
    schemes: owner.schemes,
    check: async (req) => {
      const id = await owner.check(req);
      const account = await db.accounts.get(id);
      if (account.kind !== 'organization') throw new HttpError(403, 'Forbidden', 'only an organization\'s administrator may do this');
      return id;
    },
  };
  /** A member of the administrator's organization; anyone else is out of reach (403). */
  const ownMember = async (orgId: number, memberId: number, everMember: boolean): Promise<number> => {
    const reach = everMember
      ? (await db.knex('organization_members').where({ organization_id: orgId, account_id: memberId }).first<{ id: number } | undefined>('id')) !== undefined
      : await db.organizations.isMember(orgId, memberId);
    if (!reach) throw new HttpError(403, 'Forbidden', 'an administrator reaches only the members of their own organization');
    return memberId;
  };

  // An administrator: the organization, its join code and members. A member: which organization.
  router.endpoint({
    method: 'GET',
    path: '/v1/accounts/:accountId/organization',
    auth: owner,
    params: ownerParams,
    answers: {
      200: json(
        'An administrator: the organization, its join code and members. A member: the organization and its toll-free numbers.',
        z.union([OrganizationAnswer, z.strictObject({ organization: z.strictObject({ id: z.number().int(), name: z.string(), numbers: z.array(z.string()) }) })]),
      ),
    },
    handler: async ({ auth: id }) => {
      const account = await db.accounts.get(id);
      if (account.kind === 'organization') return ok(await db.organizations.get(id));
      if (account.organizationId === null) throw new HttpError(404, 'NotAMember', 'this account is in no organization');
      const org = await db.accounts.get(account.organizationId);
      // The organization's numbers reach the member's room: the member dials them.
      const numbers = (await db.numbers.subscriptionsFor(org.id)).filter((s) => s.endedAt === null).map((s) => s.e164);
      return ok({ organization: { id: org.id, name: org.name, numbers } });
    },
  });
  router.endpoint({
    method: 'GET',
    path: '/v1/accounts/:accountId/organization/members',
    auth: administrator,
    params: ownerParams,
    answers: { 200: json('The current members.', z.array(MemberAnswer)) },
    handler: async ({ auth: orgId }) => ok(await db.organizations.members(orgId)),
  });
  router.endpoint({
    method: 'POST',
    path: '/v1/accounts/:accountId/organization/invites',
    auth: administrator,
    params: ownerParams,
    body: z.strictObject({ email: z.string().max(320) }),
    example: { email: 'grace@example.com' },
    answers: { 201: json('The invitation: to whom, and whether it was mailed.', z.strictObject({ email: z.string(), joinCode: z.string(), mailed: z.boolean() })) },
    handler: async ({ auth: orgId, body }) => ok(await inviteMember(db, mailer, log, orgId, body.email), 201),
  });
  // A new join code: the old one stops working (members and pending invitations stay). A removal replaces it too.
  router.endpoint({
    method: 'POST',
    path: '/v1/accounts/:accountId/organization/join-code',
    auth: administrator,
    params: ownerParams,
    answers: { 200: json('The new join code.', z.strictObject({ joinCode: z.string() })) },
    handler: async ({ auth: orgId }) => ok({ joinCode: await db.organizations.replaceJoinCode(orgId) }),
  });
  router.endpoint({
    method: 'DELETE',
    path: '/v1/accounts/:accountId/organization/members/:memberId',
    auth: administrator,
    params: memberParams,
    answers: { 204: noContent },
    handler: async ({ auth: orgId, params }) => {
      // The join code is replaced (the removed member knew it): GET /organization shows the new one.
      await db.organizations.remove(orgId, await ownMember(orgId, params.memberId, false));
      return ok(null, 204);
    },
  });
  // A member's usage billed to the organization (?period=YYYY-MM), also after they left.
  router.endpoint({
    method: 'GET',
    path: '/v1/accounts/:accountId/organization/members/:memberId/usage',
    auth: administrator,
    params: memberParams,
    query: z.strictObject({ period: z.string().max(20).meta({ description: 'YYYY-MM (default: this month)' }).optional() }),
    answers: { 200: json('The member\'s usage billed to the organization in the period.', MemberUsageAnswer) },
    handler: async ({ auth: orgId, params, query }) =>
      ok(await db.organizations.memberUsage(orgId, await ownMember(orgId, params.memberId, true), query.period === '' ? undefined : query.period)),
  });
  // A personal account joins with {"code"} or {"invite"}.
  router.endpoint({
    method: 'POST',
    path: '/v1/accounts/:accountId/organization/join',
    auth: owner,
    params: ownerParams,
    body: z
      .strictObject({
        code: z.string().max(32).meta({ description: 'the organization\'s join code' }).optional(),
        invite: z.string().max(100).meta({ description: 'the token of an e-mailed invitation' }).optional(),
      })
      .refine((b) => (b.code === undefined) !== (b.invite === undefined), refusal('BadField', 'send either "code" (the organization\'s join code) or "invite" (the token of an invitation)')),
    example: { code: 'K7M2Q9XPTA' },
    answers: { 200: json('The organization joined.', JOINED) },
    handler: async ({ auth: id, body }) => {
      const org = body.code !== undefined ? await db.organizations.joinByCode(id, body.code) : await db.organizations.acceptInvite(id, body.invite ?? '');
      return ok({ organization: { id: org.account.id, name: org.account.name } });
    },
  });
  // A member leaves: the room stays theirs; usage until now stays on the organization's statement.
  router.endpoint({
    method: 'DELETE',
    path: '/v1/accounts/:accountId/organization',
    auth: owner,
    params: ownerParams,
    answers: { 204: noContent },
    handler: async ({ auth: id }) => {
      await db.organizations.leave(id);
      return ok(null, 204);
    },
  });

  // --- my data ------------------------------------------------------------------------
  router.endpoint({
    method: 'GET',
    path: '/v1/accounts/:accountId/export',
    auth: owner,
    params: ownerParams,
    answers: { 200: json('Everything about the account.', ExportAnswer) },
    handler: async ({ auth: id }) => {
      const doc = await db.personalData.exportAccount(id);
      return ok({ ...doc, room: doc.room === null ? null : roomShown(doc.room) });
    },
  });
  // Deletion for good (a body, so POST): {"password", "confirm": true}; the room number is never issued again, billing entries stay without personal fields.
  router.endpoint({
    method: 'POST',
    path: '/v1/accounts/:accountId/erasure',
    auth: owner,
    params: ownerParams,
    body: z.strictObject({
      confirm: z.boolean().optional(),
      password: z.string().max(MAX_PASSWORD_LENGTH),
    }).refine((b) => b.confirm === true, { ...refusal('BadField', 'deleting an account is for good: send {"password": "...", "confirm": true}'), path: ['confirm'] }),
    example: { password: 'correct horse battery', confirm: true },
    answers: { 200: json('The account is erased.', z.strictObject({ accountId: z.number().int(), erasedAt: z.number().int().nullable(), retiredRoomNumber: z.string().nullable() })) },
    handler: async ({ req, auth: id, body }) => {
      await reauthenticate(req, id, body.password);
      const erased = await db.personalData.eraseAccount(id);
      await eraseRecordingsOf(db, deps.recordingsDir, id, log);
      const [room] = await db.rooms.forAccount(id);
      return ok({ accountId: erased.id, erasedAt: erased.erasedAt, retiredRoomNumber: room?.number ?? null });
    },
  });

  // --- operator -----------------------------------------------------------------------
  // Every organization with its member count, by id (?limit=, ?after=<last id>; a full page links to the next).
  router.endpoint({
    method: 'GET',
    path: '/v1/operator/organizations',
    auth: operator,
    query: idPageQuery,
    answers: { 200: json('A page of every organization, by id.', z.array(OrganizationSummaryAnswer)) },
    handler: async ({ req, query }) => {
      const limit = query.limit ?? DEFAULT_PAGE;
      const items = await db.organizations.list({ limit, ...(query.after === undefined ? {} : { after: query.after }) });
      const last = items[items.length - 1];
      if (items.length < limit || last === undefined) return ok(items);
      return ok(items, 200, { link: `<${req.path}?limit=${limit}&after=${last.account.id}>; rel="next"` });
    },
  });
  router.endpoint({
    method: 'POST',
    path: '/v1/operator/organizations',
    auth: operator,
    body: NewAccountBody,
    example: { name: 'Analytical Engines Ltd', email: 'admin@engines.example', password: 'correct horse battery' },
    answers: { 201: json('The organization: its administrator account, join code and (no) members.', OrganizationAnswer) },
    handler: async ({ body }) => ok(await db.organizations.create(body), 201),
  });
  router.endpoint({
    method: 'GET',
    path: '/v1/operator/organizations/:id',
    auth: operator,
    params: z.strictObject({ id: pathId('organization') }),
    answers: { 200: json('The organization, its join code and members.', OrganizationAnswer) },
    handler: async ({ params }) => ok(await db.organizations.get(params.id)),
  });
  // Retention now (the running process also does it daily): caller numbers of legs answered more than the retention ago are erased.
  router.endpoint({
    method: 'POST',
    path: '/v1/operator/retention/run',
    auth: operator,
    answers: { 200: json('How many legs lost their caller numbers.', z.strictObject({ retentionDays: z.number().int(), cutoff: z.number().int(), erased: z.number().int() })) },
    handler: async () => ok(await runRetention(db, deps.callerRetentionDays, log)),
  });
}
