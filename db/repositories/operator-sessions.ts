// The operator's web sessions (migration 018): the page's cookie holds a random token, the
// table its SHA-256 (a leaked table opens nothing) with the expiry and a check of the operator
// token the session was opened with, so that a new TOLLBRIDGE_OPERATOR_TOKEN ends them all.
// Kept in the database, every API process on it knows every session.
import { createHash, randomBytes } from 'node:crypto';
import type { RepositoryContext } from '../types.js';

const TABLE = 'operator_sessions';
/** Operator session tokens start so, apart from owners' sessions (tb_s_) and API keys (tb_k_). */
export const OPERATOR_SESSION_PREFIX = 'tb_o_';

const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

/** What a session remembers of the operator token it was opened with (a hash, not the token). */
export const operatorCheck = (operatorToken: string): string => sha256(`tollbridge operator token\u0000${operatorToken}`);

export class OperatorSessionsRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  /** A new session for `ttlMs`, opened with the operator token `operatorToken`; expired ones are deleted. */
  async open(operatorToken: string, ttlMs: number): Promise<{ token: string; expiresAt: number }> {
    const now = this.ctx.now();
    const token = `${OPERATOR_SESSION_PREFIX}${randomBytes(24).toString('base64url')}`;
    const expiresAt = now + ttlMs;
    await this.ctx.knex(TABLE).where('expires_at', '<=', now).delete();
    await this.ctx.knex(TABLE).insert({ token_hash: sha256(token), operator_check: operatorCheck(operatorToken), created_at: now, expires_at: expiresAt });
    return { token, expiresAt };
  }

  /** When the session `token` expires, if it is live and was opened with `operatorToken`; else null. */
  async expiresAt(token: string, operatorToken: string): Promise<number | null> {
    if (!token.startsWith(OPERATOR_SESSION_PREFIX)) return null;
    const row = await this.ctx.knex(TABLE)
      .where({ token_hash: sha256(token), operator_check: operatorCheck(operatorToken) })
      .andWhere('expires_at', '>', this.ctx.now())
      .first<{ expires_at: number | string } | undefined>('expires_at');
    return row === undefined ? null : Number(row.expires_at);
  }

  /** Ends the session `token`; whether it was there. */
  async close(token: string): Promise<boolean> {
    return (await this.ctx.knex(TABLE).where({ token_hash: sha256(token) }).delete()) > 0;
  }
}
