// The owner's own data: everything about an account as one document (export), deletion for
// good (erasure), the operator's retention of caller numbers, and encrypting personal fields
// written before they were encrypted. The ledger stays append-only: the one change it allows a
// closed entry (migration 009's guard) is nulling its caller number, or encrypting it once.
import type { ConferenceRecording, RecordingsRepository } from './recordings.js';
import type { Knex } from 'knex';
import { isEncrypted } from '../field-cipher.js';
import { AccountDeactivated } from '../../domain/errors.js';
import type { Account, LedgerEntry, RepositoryContext, Room, Subscription } from '../types.js';
import type { AccountsRepository } from './accounts.js';
import type { LedgerRepository } from './ledger.js';
import type { NumbersRepository } from './numbers.js';
import type { OrganizationsRepository } from './organizations.js';
import type { RoomsRepository } from './rooms.js';

export const DAY_MS = 86_400_000;
/** Caller numbers in legs older than this are erased unless the operator sets otherwise (2 years). */
export const DEFAULT_CALLER_RETENTION_DAYS = 730;
/** Rows per update while encrypting or erasing: bounded transactions, the bridge keeps writing. */
const BATCH = 500;

export interface AccountExport {
  exportedAt: number;
  account: Account;
  room: Omit<Room, 'organizationId'> | null;
  organization: { id: number; name: string } | null;
  memberships: Array<{ organizationId: number; joinedAt: number; leftAt: number | null; how: string | null }>;
  subscriptions: Subscription[];
  /** Every ledger entry billed to this account, and those of calls into its room billed to an organization. */
  legs: LedgerEntry[];
  /** Conference recordings of the room (start, end, who was present); the files are downloaded through the API. */
  recordings: ConferenceRecording[];
}

export class PersonalDataRepository {
  constructor(
    private readonly ctx: RepositoryContext,
    private readonly repos: { accounts: AccountsRepository; rooms: RoomsRepository; numbers: NumbersRepository; ledger: LedgerRepository; organizations: OrganizationsRepository; recordings: RecordingsRepository },
  ) {}

  async exportAccount(accountId: number): Promise<AccountExport> {
    const account = await this.repos.accounts.get(accountId);
    const [room] = await this.repos.rooms.forAccount(accountId);
    const own = await this.repos.ledger.legsFor(accountId);
    const inRoom = room === undefined ? [] : await this.repos.ledger.legsInRoomBilledElsewhere(room.id, accountId);
    const memberships = await this.ctx.knex('organization_members').where({ account_id: accountId }).orderBy('id')
      .select<Array<{ organization_id: number; joined_at: number; left_at: number | null; left_how: string | null }>>('organization_id', 'joined_at', 'left_at', 'left_how');
    let organization: AccountExport['organization'] = null;
    if (account.organizationId !== null) {
      const org = await this.repos.accounts.get(account.organizationId);
      organization = { id: org.id, name: org.name };
    }
    let roomOut: AccountExport['room'] = null;
    if (room !== undefined) {
      const { organizationId: _org, ...rest } = room;
      roomOut = rest;
    }
    return {
      exportedAt: this.ctx.now(),
      account,
      room: roomOut,
      organization,
      memberships: memberships.map((m) => ({ organizationId: m.organization_id, joinedAt: Number(m.joined_at), leftAt: m.left_at === null ? null : Number(m.left_at), how: m.left_how })),
      subscriptions: await this.repos.numbers.subscriptionsFor(accountId),
      legs: [...own, ...inRoom].sort((a, b) => a.answeredAt - b.answeredAt || a.id - b.id),
      recordings: await this.repos.recordings.listForAccount(accountId, { limit: 100_000 }),
    };
  }

  /**
   * Deletes an account for good (the caller has checked the password). Its subscriptions end
   * (numbers to quarantine), it leaves its organization (an organization's members are let
   * go), its credentials and invitations go, its room keeps its number (never issued again)
   * with no PINs (nobody enters), and its name and e-mail are erased. Its ledger entries stay
   * (billing needs them) with their caller numbers erased.
   */
  async eraseAccount(accountId: number): Promise<Account> {
    const account = await this.repos.accounts.get(accountId);
    if (account.erasedAt !== null) throw new AccountDeactivated(`account ${accountId} is already deleted`);
    if (account.deactivatedAt === null) await this.repos.accounts.deactivate(accountId);
    if (account.organizationId !== null) await this.repos.organizations.end(account.organizationId, accountId, 'deleted');
    if (account.kind === 'organization') {
      for (const m of await this.repos.organizations.members(accountId)) await this.repos.organizations.end(accountId, m.accountId, 'removed');
    }
    const [room] = await this.repos.rooms.forAccount(accountId);
    const now = this.ctx.now();
    await this.ctx.knex.transaction(async (trx) => {
      await trx('api_credentials').where({ account_id: accountId }).whereNull('revoked_at').update({ revoked_at: now });
      await trx('organization_invites').where({ email_index: this.ctx.cipher.emailIndex(account.email) }).orWhere({ organization_id: accountId }).delete();
      // Pending e-mail links (a reset, a new address waiting for confirmation) go too.
      await trx('account_links').where({ account_id: accountId }).delete();
      if (room !== undefined) {
        await trx('rooms').where({ id: room.id }).update({ pin_salt: null, moderator_pin_hash: null, participant_pin_hash: null, pins_changed_at: now });
      }
      await trx('accounts').where({ id: accountId }).update({
        name: `deleted account ${accountId}`, email: '', email_index: null, password_hash: null, join_code: null, erased_at: now,
      });
    });
    this.repos.rooms.cache.clear();
    this.ctx.credentialChanges.changed(accountId);
    await this.eraseCallers((q) => q.where((w) => {
      void w.where('account_id', accountId);
      if (room !== undefined) void w.orWhere('room_id', room.id);
    }));
    return this.repos.accounts.get(accountId);
  }

  /** Retention: erases the caller numbers of entries answered before `cutoff`; how many were erased. */
  async eraseCallerNumbersBefore(cutoff: number): Promise<number> {
    return this.eraseCallers((q) => q.where('answered_at', '<', cutoff));
  }

  /**
   * Once per database: encrypts what was stored before migration 009 (a marker row says it is
   * done, so opening a large ledger does not scan it every time); how many rows it encrypted.
   */
  async encryptPlaintextOnce(): Promise<number> {
    const state = await this.ctx.knex('personal_data_state').where({ id: 1 }).first<{ plaintext_encrypted_at: number | null } | undefined>('plaintext_encrypted_at');
    if (state !== undefined && state.plaintext_encrypted_at !== null) return 0;
    const done = await this.encryptPlaintext();
    await this.ctx.knex('personal_data_state').where({ id: 1 }).update({ plaintext_encrypted_at: this.ctx.now() });
    return done;
  }

  /** Encrypts e-mail addresses and caller numbers stored before migration 009 (idempotent); how many rows. */
  async encryptPlaintext(): Promise<number> {
    let done = 0;
    const accounts = await this.ctx.knex('accounts').whereNull('email_index').whereNull('erased_at').where('email', '<>', '').select<Array<{ id: number; email: string }>>('id', 'email');
    for (const a of accounts) {
      // Encrypted already but without its index (009 rolled back and run again): index it.
      const plain = isEncrypted(a.email) ? (this.ctx.cipher.decrypt(a.email) ?? '') : a.email;
      await this.ctx.knex('accounts').where({ id: a.id, email: a.email }).update({ email: this.ctx.cipher.encrypt(plain), email_index: this.ctx.cipher.emailIndex(plain) });
      done++;
    }
    for (;;) {
      const rows = await this.ctx.knex('usage_ledger').whereNotNull('caller_number').whereNot('caller_number', 'like', 'v1:%').limit(BATCH)
        .select<Array<{ id: number; caller_number: string }>>('id', 'caller_number');
      const plain = rows.filter((r) => !isEncrypted(r.caller_number));
      if (plain.length === 0) return done;
      await this.ctx.knex.transaction(async (trx) => {
        for (const r of plain) await trx('usage_ledger').where({ id: r.id, caller_number: r.caller_number }).update({ caller_number: this.ctx.cipher.encrypt(r.caller_number) });
      });
      done += plain.length;
    }
  }

  /** Nulls caller_number, the one change the ledger's guard allows for this, in bounded batches. */
  private async eraseCallers(scope: (q: Knex.QueryBuilder) => Knex.QueryBuilder): Promise<number> {
    let erased = 0;
    for (;;) {
      const ids = (await scope(this.ctx.knex('usage_ledger').whereNotNull('caller_number')).limit(BATCH).select<Array<{ id: number }>>('id')).map((r) => r.id);
      if (ids.length === 0) return erased;
      erased += await this.ctx.knex('usage_ledger').whereIn('id', ids).update({ caller_number: null });
    }
  }
}
