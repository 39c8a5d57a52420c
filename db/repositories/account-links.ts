// Single-use, expiring links for a forgotten password and for confirming a new e-mail address.
// The token goes into the e-mail only; the table keeps its SHA-256. Using a link marks it used
// in one conditional UPDATE, so of two concurrent uses exactly one wins. A new e-mail address
// waiting for its confirmation is personal data: stored encrypted (db/field-cipher.ts).
import { createHash, randomBytes } from 'node:crypto';
import { LinkInvalid } from '../../domain/errors.js';
import type { RepositoryContext } from '../types.js';

export type LinkPurpose = 'password_reset' | 'email_change';

/** How long a link works: a reset is urgent and risky, a confirmation may wait for the mail. */
export const LINK_LIFETIME_MS: Record<LinkPurpose, number> = { password_reset: 60 * 60_000, email_change: 24 * 60 * 60_000 };

interface LinkRow {
  id: number;
  account_id: number;
  new_email: string | null;
}

export interface UsedLink {
  accountId: number;
  newEmail: string | null;
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

export class AccountLinksRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  /** A new link's token; earlier unused links of the same purpose for the account stop working. */
  async create(accountId: number, purpose: LinkPurpose, newEmail: string | null = null): Promise<string> {
    const token = randomBytes(24).toString('base64url');
    const now = this.ctx.now();
    await this.ctx.knex.transaction(async (trx) => {
      await trx('account_links').where({ account_id: accountId, purpose }).whereNull('used_at').update({ used_at: now });
      await trx('account_links').insert({ account_id: accountId, purpose, token_hash: hashOf(token), new_email: this.ctx.cipher.encrypt(newEmail), created_at: now, expires_at: now + LINK_LIFETIME_MS[purpose], used_at: null });
    });
    return token;
  }

  /** Marks the link used and returns what it was for; LinkInvalid when unknown, used or expired. */
  async use(token: string, purpose: LinkPurpose): Promise<UsedLink> {
    const now = this.ctx.now();
    const tokenHash = hashOf(token.slice(0, 200));
    const row = await this.ctx.knex('account_links').where({ token_hash: tokenHash, purpose }).first<LinkRow | undefined>('id', 'account_id', 'new_email');
    const updated = row === undefined ? 0 : await this.ctx.knex('account_links').where({ id: row.id }).whereNull('used_at').where('expires_at', '>', now).update({ used_at: now });
    if (row === undefined || updated !== 1) throw new LinkInvalid('this link is unknown, was used already, or expired: ask for a new one');
    return { accountId: Number(row.account_id), newEmail: this.ctx.cipher.decrypt(row.new_email) };
  }
}
