// Organizations: an organization account (the paying administrator's sign-in; no room) holds
// the toll-free subscriptions and gets one statement; personal accounts join it by its join
// code or an e-mailed invitation, keep their own room and PINs, and may leave or be removed.
// While a member, their room's row names the organization (rooms.organization_id), which is
// what lets the organization's numbers reach it and meter those calls to the organization.
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { periodBounds, periodOf } from '../../domain/billing.js';
import { normaliseEmail } from '../../domain/email.js';
import { AccountDeactivated, AlreadyMember, InvalidJoinCode, InvalidPeriod, NotAMember, NotAnOrganization } from '../../domain/errors.js';
import { formatMoney } from '../../domain/money.js';
import { isUniqueViolation, type Account, type RepositoryContext } from '../types.js';
import { toAccount, type AccountRow, type AccountsRepository } from './accounts.js';
import type { RoomsRepository } from './rooms.js';

export interface Member {
  accountId: number;
  name: string;
  email: string;
  roomNumber: string | null;
  joinedAt: number;
}

export interface Organization {
  account: Account;
  joinCode: string;
  members: Member[];
}

/** A line of the operator's list of organizations. */
export interface OrganizationSummary {
  account: Account;
  /** Current members (those who left or were removed are not counted). */
  memberCount: number;
}

export interface MemberUsage {
  accountId: number;
  period: string;
  legs: number;
  seconds: number;
  billableSeconds: number;
  amountMicros: number;
  amount: string;
}

/** Join codes: 10 characters from an alphabet without look-alikes (about 50 bits). */
const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export function newJoinCode(): string {
  let code = '';
  for (let i = 0; i < 10; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

export class OrganizationsRepository {
  constructor(
    private readonly ctx: RepositoryContext,
    private readonly accounts: AccountsRepository,
    private readonly rooms: RoomsRepository,
  ) {}

  async create(input: { name: string; email: string; password?: string }): Promise<Organization> {
    for (let attempt = 0; ; attempt++) {
      try {
        const account = await this.accounts.createOrganization({ ...input, joinCode: newJoinCode() });
        return this.get(account.id);
      } catch (err) {
        // A join code drawn twice (rare): draw again.
        if (!isUniqueViolation(err) || attempt >= 5) throw err;
      }
    }
  }

  /** The organization account (an active one), or NotAnOrganization. */
  async requireOrganization(orgId: number): Promise<Account> {
    const account = await this.accounts.get(orgId);
    if (account.kind !== 'organization') throw new NotAnOrganization(`account ${orgId} is not an organization`);
    if (account.deactivatedAt !== null) throw new AccountDeactivated(`organization ${orgId} is deactivated`);
    return account;
  }

  async get(orgId: number): Promise<Organization> {
    const account = await this.requireOrganization(orgId);
    const row = await this.ctx.knex('accounts').where({ id: orgId }).first<{ join_code: string | null }>('join_code');
    return { account, joinCode: row?.join_code ?? '', members: await this.members(orgId) };
  }

  /** Every organization, active or deactivated, by id (a page of them: ids after `after`). */
  async list(page: { after?: number; limit: number }): Promise<OrganizationSummary[]> {
    const rows = await this.ctx.knex<AccountRow>('accounts').where({ kind: 'organization' }).where('id', '>', page.after ?? 0).orderBy('id').limit(page.limit);
    const counts = rows.length === 0 ? [] : await this.ctx.knex('organization_members')
      .whereIn('organization_id', rows.map((r) => r.id))
      .whereNull('left_at')
      .groupBy('organization_id')
      .select<Array<{ organization_id: number | string; n: number | string }>>('organization_id', this.ctx.knex.raw('count(*) as n'));
    const countOf = new Map(counts.map((c) => [Number(c.organization_id), Number(c.n)]));
    return rows.map((r) => ({ account: toAccount(this.ctx.cipher, r), memberCount: countOf.get(Number(r.id)) ?? 0 }));
  }

  async members(orgId: number): Promise<Member[]> {
    const rows = await this.ctx.knex('organization_members as m')
      .join('accounts as a', 'a.id', 'm.account_id')
      .leftJoin('rooms as r', 'r.account_id', 'a.id')
      .where('m.organization_id', orgId)
      .whereNull('m.left_at')
      .orderBy('m.id')
      .select<Array<AccountRow & { room_number: string | null; joined_at: number }>>('a.*', 'r.number as room_number', 'm.joined_at');
    return rows.map((r) => {
      const a = toAccount(this.ctx.cipher, r);
      return { accountId: a.id, name: a.name, email: a.email, roomNumber: r.room_number, joinedAt: Number(r.joined_at) };
    });
  }

  /** Whether this account is a current member of this organization. */
  async isMember(orgId: number, accountId: number): Promise<boolean> {
    const row = await this.ctx.knex('organization_members').where({ organization_id: orgId, account_id: accountId }).whereNull('left_at').first<{ id: number } | undefined>('id');
    return row !== undefined;
  }

  /** A new invitation for an address: the token (sent by e-mail, never stored) and the address. */
  async invite(orgId: number, rawEmail: string): Promise<{ token: string; email: string; joinCode: string }> {
    const org = await this.get(orgId);
    const email = normaliseEmail(rawEmail);
    const token = `tb_i_${randomBytes(24).toString('base64url')}`;
    await this.ctx.knex('organization_invites').insert({
      organization_id: orgId, email: this.ctx.cipher.encrypt(email), email_index: this.ctx.cipher.emailIndex(email),
      token_hash: tokenHash(token), created_at: this.ctx.now(), accepted_at: null, accepted_by: null,
    });
    return { token, email, joinCode: org.joinCode };
  }

  /**
   * A new join code for the organization (the administrator's "regenerate", and every removal):
   * the old code stops working at once; members and e-mailed invitations (their own tokens,
   * single-use, for the invited address only) are unaffected.
   */
  async replaceJoinCode(orgId: number): Promise<string> {
    await this.requireOrganization(orgId);
    for (let attempt = 0; ; attempt++) {
      const code = newJoinCode();
      try {
        await this.ctx.knex('accounts').where({ id: orgId, kind: 'organization' }).update({ join_code: code });
        return code;
      } catch (err) {
        // A join code drawn twice (rare): draw again.
        if (!isUniqueViolation(err) || attempt >= 5) throw err;
      }
    }
  }

  /** Joins with the organization's code. */
  async joinByCode(accountId: number, code: string): Promise<Organization> {
    const normalised = code.trim().toUpperCase().slice(0, 32);
    const row = await this.ctx.knex('accounts').where({ join_code: normalised, kind: 'organization' }).whereNull('deactivated_at').first<{ id: number } | undefined>('id');
    if (row === undefined || normalised === '') throw new InvalidJoinCode('no organization has this join code: ask its administrator for the code');
    await this.join(row.id, accountId);
    return this.get(row.id);
  }

  /** Joins with an e-mailed invitation (once); it must be the invited address's account. */
  async acceptInvite(accountId: number, token: string): Promise<Organization> {
    const account = await this.accounts.get(accountId);
    const invite = await this.ctx.knex('organization_invites').where({ token_hash: tokenHash(token.trim().slice(0, 100)) }).whereNull('accepted_at')
      .first<{ id: number; organization_id: number; email_index: string } | undefined>('id', 'organization_id', 'email_index');
    if (invite === undefined || invite.email_index !== this.ctx.cipher.emailIndex(account.email)) {
      throw new InvalidJoinCode('this invitation is unknown, used, or for another address');
    }
    await this.join(invite.organization_id, accountId);
    await this.ctx.knex('organization_invites').where({ id: invite.id }).update({ accepted_at: this.ctx.now(), accepted_by: accountId });
    return this.get(invite.organization_id);
  }

  private async join(orgId: number, accountId: number): Promise<void> {
    await this.requireOrganization(orgId);
    const account = await this.accounts.requireActive(accountId);
    if (account.kind !== 'personal') throw new NotAMember('an organization account cannot join an organization');
    if (account.organizationId !== null) throw new AlreadyMember(`account ${accountId} is already in organization ${account.organizationId}: leave it first`);
    const now = this.ctx.now();
    await this.ctx.knex.transaction(async (trx) => {
      // Only if still in no organization: of two concurrent joins one changes the row.
      const changed = await trx('accounts').where({ id: accountId }).whereNull('organization_id').update({ organization_id: orgId });
      if (changed !== 1) throw new AlreadyMember(`account ${accountId} just joined another organization`);
      await trx('rooms').where({ account_id: accountId }).update({ organization_id: orgId });
      await trx('organization_members').insert({ organization_id: orgId, account_id: accountId, joined_at: now, left_at: null, left_how: null });
    });
    // The change applies to this process's next caller at once (others: at the rooms counter's next poll).
    this.rooms.cache.clear();
  }

  /**
   * The administrator removes a member: NotAMember if the account is not in this organization.
   * The join code is replaced too (the removed member knows it): returns the new one.
   */
  async remove(orgId: number, memberId: number): Promise<string> {
    await this.requireOrganization(orgId);
    if (!(await this.isMember(orgId, memberId))) throw new NotAMember(`account ${memberId} is not a member of organization ${orgId}`);
    await this.end(orgId, memberId, 'removed');
    return this.replaceJoinCode(orgId);
  }

  /** A member leaves: the room stays theirs; calls until now stay on the organization's statement. */
  async leave(accountId: number): Promise<void> {
    const account = await this.accounts.get(accountId);
    if (account.organizationId === null) throw new NotAMember(`account ${accountId} is in no organization`);
    await this.end(account.organizationId, accountId, 'left');
  }

  /** Ends a membership (also used when an account is deleted). */
  async end(orgId: number, accountId: number, how: 'left' | 'removed' | 'deleted'): Promise<void> {
    await this.ctx.knex.transaction(async (trx) => {
      await trx('organization_members').where({ organization_id: orgId, account_id: accountId }).whereNull('left_at').update({ left_at: this.ctx.now(), left_how: how });
      await trx('accounts').where({ id: accountId, organization_id: orgId }).update({ organization_id: null });
      await trx('rooms').where({ account_id: accountId, organization_id: orgId }).update({ organization_id: null });
    });
    this.rooms.cache.clear();
  }

  /**
   * A member's usage billed to the organization in a period (default: the current one): the
   * organization's legs in the member's room, whether or not they are still a member.
   * NotAMember for an account that never belonged: an administrator sees only their own members.
   */
  async memberUsage(orgId: number, memberId: number, period?: string): Promise<MemberUsage> {
    await this.requireOrganization(orgId);
    const ever = await this.ctx.knex('organization_members').where({ organization_id: orgId, account_id: memberId }).first<{ id: number } | undefined>('id');
    if (ever === undefined) throw new NotAMember(`account ${memberId} has never been a member of organization ${orgId}`);
    const p = period ?? periodOf(this.ctx.now());
    const bounds = periodBounds(p);
    if (bounds === null) throw new InvalidPeriod(`"${p.slice(0, 20)}" is not a period: use YYYY-MM`);
    const rows = await this.ctx.knex('usage_ledger as u')
      .join('rooms as r', 'r.id', 'u.room_id')
      .where('u.account_id', orgId)
      .where('r.account_id', memberId)
      .where('u.answered_at', '>=', bounds.start)
      .where('u.answered_at', '<', bounds.end)
      .select<Array<{ entry_kind: string; seconds: number | null; billable_seconds: number | null; amount_micros: number | string | null }>>('u.entry_kind', 'u.seconds', 'u.billable_seconds', 'u.amount_micros');
    const usage: MemberUsage = { accountId: memberId, period: p, legs: 0, seconds: 0, billableSeconds: 0, amountMicros: 0, amount: '' };
    for (const r of rows) {
      if (r.entry_kind === 'leg') usage.legs++;
      usage.seconds += r.seconds ?? 0;
      usage.billableSeconds += r.billable_seconds ?? 0;
      usage.amountMicros += Number(r.amount_micros ?? 0);
    }
    usage.amount = formatMoney(usage.amountMicros, 6);
    return usage;
  }
}
