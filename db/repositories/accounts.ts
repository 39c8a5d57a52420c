// Accounts and their personal rooms: an account is created with its room in one transaction.
import { AccountDeactivated, AccountNotFound, EmailTaken, HashingBusy, InvalidName, InvalidPassword } from '../../domain/errors.js';
import { isValidRoomNumber } from '../../domain/room-number.js';
import { normaliseEmail } from '../../domain/email.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../passwords.js';
import type { FieldCipher } from '../field-cipher.js';
import { isUniqueViolation, type Account, type AccountKind, type RepositoryContext, type Room, type RoomRow } from '../types.js';
import { toRoom } from './rooms.js';
import { lockAccount } from '../account-lock.js';

export interface AccountRow {
  id: number;
  name: string;
  /** Ciphertext (db/field-cipher.ts); '' once erased. */
  email: string;
  email_index: string | null;
  password_hash: string | null;
  created_at: number;
  deactivated_at: number | null;
  kind?: AccountKind;
  organization_id?: number | null;
  join_code?: string | null;
  erased_at?: number | null;
}

export const toAccount = (cipher: FieldCipher, r: AccountRow): Account => ({
  id: r.id,
  name: r.name,
  email: cipher.decrypt(r.email) ?? '',
  hasPassword: r.password_hash !== null,
  createdAt: Number(r.created_at),
  deactivatedAt: r.deactivated_at === null ? null : Number(r.deactivated_at),
  kind: r.kind ?? 'personal',
  organizationId: r.organization_id ?? null,
  erasedAt: r.erased_at === null || r.erased_at === undefined ? null : Number(r.erased_at),
});

/** How many numbers to draw before giving up: collisions are rare with 9 million numbers. */
const ROOM_NUMBER_TRIES = 20;

export class AccountsRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  private toAccount(row: AccountRow): Account {
    return toAccount(this.ctx.cipher, row);
  }

  /** The keyed blind index of an address as typed (trimmed, lower-cased): how an e-mail is found. */
  emailIndex(email: string): string {
    return this.ctx.cipher.emailIndex(email.trim().toLowerCase().slice(0, 320));
  }

  /**
   * An organization's account: the administrator signs in with it, it holds the toll-free
   * subscriptions and receives the statement; it has no room (so no call can enter as it) and
   * a join code members join with.
   */
  async createOrganization(input: { name: string; email: string; password?: string; joinCode: string }): Promise<Account> {
    const name = checkedName(input.name);
    const email = normaliseEmail(input.email);
    const passwordHash = input.password === undefined ? null : await this.ctx.passwords.hash(checkedPassword(input.password));
    try {
      const [row] = await this.ctx.knex('accounts')
        .insert({
          name, email: this.ctx.cipher.encrypt(email), email_index: this.ctx.cipher.emailIndex(email), password_hash: passwordHash,
          created_at: this.ctx.now(), deactivated_at: null, kind: 'organization', join_code: input.joinCode,
        })
        .returning<AccountRow[]>('*');
      if (row === undefined) throw new Error('organization insert returned nothing');
      return this.toAccount(row);
    } catch (err) {
      if (isUniqueViolation(err) && String((err as Error).message).includes('email')) throw new EmailTaken(`an account with e-mail ${email} exists already`);
      throw err;
    }
  }

  async create(input: { name: string; email: string; password?: string }): Promise<{ account: Account; room: Room }> {
    const name = checkedName(input.name);
    const email = normaliseEmail(input.email);
    const passwordHash = input.password === undefined ? null : await this.ctx.passwords.hash(checkedPassword(input.password));
    const now = this.ctx.now();
    for (let attempt = 0; attempt < ROOM_NUMBER_TRIES; attempt++) {
      const number = this.ctx.proposeRoomNumber();
      if (!isValidRoomNumber(number)) throw new Error(`room number generator proposed an invalid number ${number}`);
      try {
        return await this.ctx.knex.transaction(async (trx) => {
          // A number ever issued stays issued (rooms are never deleted): skip it.
          if (await trx('rooms').where({ number }).first('id')) throw new RoomNumberTaken();
          const existing = await trx('accounts').where({ email_index: this.ctx.cipher.emailIndex(email) }).first<{ id: number } | undefined>('id');
          if (existing) throw new EmailTaken(`an account with e-mail ${email} exists already`);
          const [row] = await trx('accounts')
            .insert({ name, email: this.ctx.cipher.encrypt(email), email_index: this.ctx.cipher.emailIndex(email), password_hash: passwordHash, created_at: now, deactivated_at: null })
            .returning<AccountRow[]>('*');
          if (row === undefined) throw new Error('account insert returned nothing');
          const [roomRow] = await trx('rooms')
            .insert({ account_id: row.id, number, language: 'en', on_moderator_leave: 'continue', locked: false, max_participants: 50, created_at: now })
            .returning<RoomRow[]>('*');
          if (roomRow === undefined) throw new Error('room insert returned nothing');
          return { account: this.toAccount(row), room: toRoom(roomRow) };
        });
      } catch (err) {
        if (err instanceof RoomNumberTaken) continue;
        if (isUniqueViolation(err)) {
          if (String((err as Error).message).includes('email')) throw new EmailTaken(`an account with e-mail ${email} exists already`);
          continue; // the room number was taken concurrently: draw again
        }
        throw err;
      }
    }
    throw new Error('could not find a free room number');
  }

  async get(id: number): Promise<Account> {
    const row = await this.ctx.knex<AccountRow>('accounts').where({ id }).first();
    if (row === undefined) throw new AccountNotFound(`no account ${id}`);
    return this.toAccount(row);
  }

  async findByEmail(email: string): Promise<Account | null> {
    const row = await this.ctx.knex<AccountRow>('accounts').where({ email_index: this.emailIndex(email) }).first();
    return row === undefined ? null : this.toAccount(row);
  }

  async list(page?: { after?: number; limit: number }): Promise<Account[]> {
    let q = this.ctx.knex<AccountRow>('accounts').orderBy('id');
    if (page !== undefined) q = q.where('id', '>', page.after ?? 0).limit(page.limit);
    return (await q).map((r) => this.toAccount(r));
  }

  async count(): Promise<number> {
    const row = await this.ctx.knex('accounts').count<{ n: number | string }[]>({ n: '*' }).first();
    return Number(row?.n ?? 0);
  }

  /**
   * The account for these credentials, or null; a deactivated account never signs in. Always one
   * scrypt at today's cost, whether the account exists or not, so timing does not tell. A hash
   * of an older cost is replaced by one at today's cost.
   */
  async verifyPassword(email: string, password: string): Promise<Account | null> {
    // At its bound, hashing refuses anyway: refuse before the query too, so a flood costs SQLite nothing.
    if (this.ctx.passwords.stats().load >= this.ctx.passwords.capacity) throw new HashingBusy('password hashing is at its limit: try again in a moment');
    const row = await this.ctx.knex<AccountRow>('accounts').where({ email_index: this.emailIndex(email) }).first();
    if (row === undefined || row.password_hash === null || row.deactivated_at !== null) {
      await this.ctx.passwords.verifyNothing(password);
      return null;
    }
    const check = await this.ctx.passwords.verify(password, row.password_hash);
    if (!check.ok) return null;
    if (check.stale) {
      const fresh = await this.ctx.passwords.hash(password);
      await this.ctx.knex('accounts').where({ id: row.id, password_hash: row.password_hash }).update({ password_hash: fresh });
    }
    return this.toAccount(row);
  }

  /** Whether this is the account's current password (always one scrypt, as for sign-in). */
  async checkPassword(id: number, password: string): Promise<boolean> {
    const row = await this.ctx.knex<AccountRow>('accounts').where({ id }).first();
    if (row === undefined || row.password_hash === null) {
      await this.ctx.passwords.verifyNothing(password);
      return false;
    }
    return (await this.ctx.passwords.verify(password, row.password_hash)).ok;
  }

  /** Sets a new password (the caller checks the old one and revokes sessions). */
  async setPassword(id: number, password: string): Promise<void> {
    await this.requireActive(id);
    const hash = await this.ctx.passwords.hash(checkedPassword(password));
    await this.ctx.knex('accounts').where({ id }).update({ password_hash: hash });
  }

  /** Sets a new e-mail address (the caller has it confirmed first); EmailTaken when another account has it. */
  async changeEmail(id: number, rawEmail: string): Promise<Account> {
    await this.requireActive(id);
    const email = normaliseEmail(rawEmail);
    // Encrypted at rest, found again by its keyed index (unique: a taken address is refused).
    try {
      await this.ctx.knex('accounts').where({ id }).update({ email: this.ctx.cipher.encrypt(email), email_index: this.ctx.cipher.emailIndex(email) });
    } catch (err) {
      if (isUniqueViolation(err)) throw new EmailTaken(`an account with e-mail ${email} exists already`);
      throw err;
    }
    return this.get(id);
  }

  /** Irreversible. Ends the account's subscriptions (numbers go to quarantine); the room number stays issued. */
  async deactivate(id: number): Promise<Account> {
    const now = this.ctx.now();
    // Under the account's lock, as subscribe takes it (db/account-lock.ts): a subscription
    // racing this deactivation either commits before (and is ended here) or sees it closed.
    await this.ctx.knex.transaction(async (trx) => {
      if (!(await lockAccount(trx, id))) throw new AccountNotFound(`no account ${id}`);
      const current = await trx<AccountRow>('accounts').where({ id }).first('deactivated_at');
      if (current?.deactivated_at !== null) throw new AccountDeactivated(`account ${id} is already deactivated`);
      const live = await trx('subscriptions').where({ account_id: id }).whereNull('ended_at').select<{ number_id: number }[]>('number_id');
      await trx('subscriptions').where({ account_id: id }).whereNull('ended_at').update({ ended_at: now });
      if (live.length > 0) await trx('phone_numbers').whereIn('id', live.map((s) => s.number_id)).update({ released_at: now });
      await trx('accounts').where({ id }).update({ deactivated_at: now });
    });
    // Its sessions and keys stop authenticating now: open streams on them close.
    this.ctx.credentialChanges.changed(id);
    return this.get(id);
  }

  async requireActive(id: number): Promise<Account> {
    const account = await this.get(id);
    if (account.deactivatedAt !== null) throw new AccountDeactivated(`account ${id} is deactivated`);
    return account;
  }
}

class RoomNumberTaken extends Error {}

/** Longest account name (the column's own bound on PostgreSQL is larger). */
export const MAX_NAME_LENGTH = 200;

function checkedName(raw: string): string {
  const name = raw.trim();
  // eslint-disable-next-line no-control-regex
  if (name === '' || name.length > MAX_NAME_LENGTH || /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]/.test(name)) {
    throw new InvalidName(`the account name must be 1-${MAX_NAME_LENGTH} characters, without control or invisible characters`);
  }
  return name;
}

function checkedPassword(password: string): string {
  if (password.length < MIN_PASSWORD_LENGTH) throw new InvalidPassword(`a password needs at least ${MIN_PASSWORD_LENGTH} characters: choose a longer one`);
  if (password.length > MAX_PASSWORD_LENGTH) throw new InvalidPassword(`a password may have at most ${MAX_PASSWORD_LENGTH} characters`);
  return password;
}
