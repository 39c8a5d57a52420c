// API credentials: a session token from e-mail + password (expires), or an API key (until
// revoked). Tokens are random, shown once, stored as SHA-256 only.
import { createHash, randomBytes } from 'node:crypto';
import { ApiKeyNotFound } from '../errors.js';
import type { RepositoryContext } from '../types.js';

export interface ApiKey {
  id: number;
  label: string | null;
  createdAt: number;
  revokedAt: number | null;
}

const SESSION_MS = 12 * 3_600_000;
const hash = (token: string) => createHash('sha256').update(token).digest('hex');

export class CredentialsRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  private async issue(accountId: number, kind: 'session' | 'api_key', label: string | null, expiresAt: number | null): Promise<{ id: number; token: string }> {
    const token = `tb_${kind === 'session' ? 's' : 'k'}_${randomBytes(24).toString('base64url')}`;
    const [row] = await this.ctx.knex('api_credentials')
      .insert({ account_id: accountId, kind, token_hash: hash(token), label, created_at: this.ctx.now(), expires_at: expiresAt, revoked_at: null })
      .returning<{ id: number }[]>('id');
    return { id: row?.id ?? -1, token };
  }

  session(accountId: number): Promise<{ id: number; token: string }> {
    return this.issue(accountId, 'session', null, this.ctx.now() + SESSION_MS);
  }

  createApiKey(accountId: number, label: string | null): Promise<{ id: number; token: string }> {
    return this.issue(accountId, 'api_key', label, null);
  }

  async listApiKeys(accountId: number): Promise<ApiKey[]> {
    return this.ctx.knex('api_credentials')
      .where({ account_id: accountId, kind: 'api_key' })
      .orderBy('id')
      .select<ApiKey[]>('id', 'label', 'created_at as createdAt', 'revoked_at as revokedAt');
  }

  async revokeApiKey(accountId: number, id: number): Promise<void> {
    const n = await this.ctx.knex('api_credentials').where({ id, account_id: accountId, kind: 'api_key' }).whereNull('revoked_at').update({ revoked_at: this.ctx.now() });
    if (n === 0) throw new ApiKeyNotFound(`no API key ${id} on this account`);
  }

  /** The account a live token belongs to, or null. */
  async accountFor(token: string): Promise<number | null> {
    const row = await this.ctx.knex('api_credentials as c')
      .join('accounts as a', 'a.id', 'c.account_id')
      .where('c.token_hash', hash(token))
      .whereNull('c.revoked_at')
      .whereNull('a.deactivated_at')
      .first<{ account_id: number; expires_at: number | null } | undefined>('c.account_id', 'c.expires_at');
    if (row === undefined) return null;
    if (row.expires_at !== null && Number(row.expires_at) <= this.ctx.now()) return null;
    return row.account_id;
  }
}
