// API credentials: a session token from e-mail + password (expires), or an API key (until
// revoked). Tokens are random, shown once, stored as SHA-256 only.
import { createHash, randomBytes } from 'node:crypto';
import { ApiKeyNotFound, InvalidLabel, TooManyApiKeys } from '../../domain/errors.js';
import type { CredentialChangeListener } from '../credential-changes.js';
import type { RepositoryContext } from '../types.js';

export interface ApiKey {
  id: number;
  label: string | null;
  createdAt: number;
  revokedAt: number | null;
}

const SESSION_MS = 12 * 3_600_000;
/** Live API keys an account may hold; revoke one to make another. */
export const MAX_API_KEYS = 20;
/** Live sessions an account keeps; signing in again revokes the oldest beyond this. */
export const MAX_SESSIONS = 20;
export const MAX_LABEL_LENGTH = 100;

export interface Credential {
  id: number;
  accountId: number;
  kind: 'session' | 'api_key';
  /** When a session expires (epoch ms); null for an API key. */
  expiresAt: number | null;
}

export interface Page {
  /** Only ids above this one (the last id of the page before). */
  after?: number;
  limit: number;
}
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

  async session(accountId: number): Promise<{ id: number; token: string }> {
    const issued = await this.issue(accountId, 'session', null, this.ctx.now() + SESSION_MS);
    const live = await this.live(accountId, 'session').orderBy('id', 'desc').offset(MAX_SESSIONS).select<{ id: number }[]>('id');
    if (live.length > 0) {
      await this.ctx.knex('api_credentials').whereIn('id', live.map((r) => r.id)).update({ revoked_at: this.ctx.now() });
      this.ctx.credentialChanges.changed(accountId);
    }
    return issued;
  }

  async createApiKey(accountId: number, label: string | null): Promise<{ id: number; token: string }> {
    // eslint-disable-next-line no-control-regex
    if (label !== null && (label.length > MAX_LABEL_LENGTH || /[\u0000-\u001f\u007f-\u009f]/.test(label))) {
      throw new InvalidLabel(`an API key's label is at most ${MAX_LABEL_LENGTH} characters, without control characters`);
    }
    const row = await this.live(accountId, 'api_key').count<{ n: number | string }[]>({ n: '*' }).first();
    if (Number(row?.n ?? 0) >= MAX_API_KEYS) throw new TooManyApiKeys(`an account holds at most ${MAX_API_KEYS} API keys: revoke one first`);
    return this.issue(accountId, 'api_key', label, null);
  }

  async listApiKeys(accountId: number, page: Page = { limit: 1000 }): Promise<ApiKey[]> {
    return this.ctx.knex('api_credentials')
      .where({ account_id: accountId, kind: 'api_key' })
      .where('id', '>', page.after ?? 0)
      .orderBy('id')
      .limit(page.limit)
      .select<ApiKey[]>('id', 'label', 'created_at as createdAt', 'revoked_at as revokedAt');
  }

  /** Revokes one credential (logout). */
  async revoke(id: number): Promise<void> {
    const row = await this.ctx.knex('api_credentials').where({ id }).first<{ account_id: number } | undefined>('account_id');
    await this.ctx.knex('api_credentials').where({ id }).whereNull('revoked_at').update({ revoked_at: this.ctx.now() });
    if (row !== undefined) this.ctx.credentialChanges.changed(row.account_id);
  }

  /** Revokes every session of the account except `keep` (if given); returns how many. API keys stay. */
  async revokeSessions(accountId: number, keep?: number): Promise<number> {
    let q = this.live(accountId, 'session');
    if (keep !== undefined) q = q.whereNot({ id: keep });
    const revoked = await q.update({ revoked_at: this.ctx.now() });
    this.ctx.credentialChanges.changed(accountId);
    return revoked;
  }

  private live(accountId: number, kind: 'session' | 'api_key') {
    return this.ctx.knex('api_credentials').where({ account_id: accountId, kind }).whereNull('revoked_at')
      .where((q) => {
        void q.whereNull('expires_at').orWhere('expires_at', '>', this.ctx.now());
      });
  }

  async revokeApiKey(accountId: number, id: number): Promise<void> {
    const n = await this.ctx.knex('api_credentials').where({ id, account_id: accountId, kind: 'api_key' }).whereNull('revoked_at').update({ revoked_at: this.ctx.now() });
    if (n === 0) throw new ApiKeyNotFound(`no API key ${id} on this account`);
    this.ctx.credentialChanges.changed(accountId);
  }

  /** Hears, in this process, of every account whose credentials may have ended. */
  onChange(listener: CredentialChangeListener): () => void {
    return this.ctx.credentialChanges.listen(listener);
  }

  /** The account a live token belongs to, or null. */
  async accountFor(token: string): Promise<number | null> {
    return (await this.credentialFor(token))?.accountId ?? null;
  }

  /** The live credential a token is, or null. */
  async credentialFor(token: string): Promise<Credential | null> {
    const row = await this.ctx.knex('api_credentials as c')
      .join('accounts as a', 'a.id', 'c.account_id')
      .where('c.token_hash', hash(token))
      .whereNull('c.revoked_at')
      .whereNull('a.deactivated_at')
      .first<{ id: number; account_id: number; kind: 'session' | 'api_key'; expires_at: number | null } | undefined>('c.id', 'c.account_id', 'c.kind', 'c.expires_at');
    if (row === undefined) return null;
    if (row.expires_at !== null && Number(row.expires_at) <= this.ctx.now()) return null;
    return { id: row.id, accountId: row.account_id, kind: row.kind, expiresAt: row.expires_at === null ? null : Number(row.expires_at) };
  }

  /** Whether a credential still authenticates: not revoked, not expired, its account not deactivated. */
  async isLive(id: number): Promise<boolean> {
    const row = await this.ctx.knex('api_credentials as c')
      .join('accounts as a', 'a.id', 'c.account_id')
      .where('c.id', id)
      .whereNull('c.revoked_at')
      .whereNull('a.deactivated_at')
      .first<{ expires_at: number | null } | undefined>('c.expires_at');
    return row !== undefined && (row.expires_at === null || Number(row.expires_at) > this.ctx.now());
  }
}
